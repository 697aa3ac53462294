"""An endpoint one check found not answering is not waited for again: the next check fails at once, naming it."""

from __future__ import annotations

import time

import pytest

from keywords.common import endpoint_findings
from keywords.mongodb import library as mongodb_library
from keywords.mongodb.library import MongoDBLibrary
from lab.mongo import MongoComponent
from tests.helpers import failure_of, running_lab

#: Generous: 3x the lab's 5 s MongoDB timeouts. Timing is measured in bench/, not here.
HANG_BOUND_S = 15.0


@pytest.fixture
def silent_mongodb(tmp_path):
    endpoint_findings.forget_all()
    with running_lab(tmp_path, [MongoComponent()], frozenset({"mongo-unresponsive"})) as published:
        yield published
    endpoint_findings.forget_all()


@pytest.fixture
def connection_attempts(monkeypatch) -> list[str]:
    """Every connection attempt of the MongoDB library: its TCP probe, and each client it creates."""
    attempts: list[str] = []
    probe, client_for = mongodb_library.probe_tcp, MongoDBLibrary._client_for

    def counted_probe(host, port, timeout_s):
        attempts.append(f"TCP probe {host}:{port}")
        return probe(host, port, timeout_s)

    def counted_client(settings):
        attempts.append(f"client {settings['host']}:{settings['port']}")
        return client_for(settings)

    monkeypatch.setattr(mongodb_library, "probe_tcp", counted_probe)
    monkeypatch.setattr(MongoDBLibrary, "_client_for", staticmethod(counted_client))
    return attempts


def timed_failure(call) -> tuple[str, float]:
    started = time.monotonic()
    message = failure_of(call)
    return message, time.monotonic() - started


def test_the_second_connection_to_a_silent_mongodb_makes_no_attempt_and_names_the_first_finding(
    silent_mongodb, connection_attempts
):
    library = MongoDBLibrary(environment="lab")
    target = f"127.0.0.1:{silent_mongodb['LAB_MONGO_PORT']}"
    first, first_waited = timed_failure(library.connect_to_mongodb)
    assert first.startswith(f"MongoDB network failure at {target} during authenticate and ping: no answer in time")
    assert connection_attempts == [f"TCP probe {target}", f"client {target}"]
    assert first_waited >= 4.5  # the lab's 5 s server selection timeout was waited (load only makes this longer)
    assert first_waited < HANG_BOUND_S  # a hang bound, not a measurement

    second, second_waited = timed_failure(library.connect_to_mongodb)
    assert second.startswith(
        f"MongoDB network failure at {target} during connect: not answering: no answer to authenticate and ping "
        f"within 5 s (blocked: an earlier check found {target} not answering at "
    )
    assert second.endswith("; not waited for again)")
    # Not waited for again: the second check opened no TCP connection and created no client.
    assert connection_attempts == [f"TCP probe {target}", f"client {target}"]
    assert second_waited < HANG_BOUND_S  # a hang bound, not a measurement; bench/ times the dead environment


def test_a_refused_port_is_not_remembered(tmp_path):
    endpoint_findings.forget_all()
    with running_lab(tmp_path, [MongoComponent()], frozenset({"mongo-down"})):
        library = MongoDBLibrary(environment="lab")
        assert "connection refused" in failure_of(library.connect_to_mongodb)
        assert "connection refused" in failure_of(library.connect_to_mongodb)  # checked again: it may be back
