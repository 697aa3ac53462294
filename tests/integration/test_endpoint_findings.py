"""An endpoint one check found not answering is not waited for again: the next check fails at once, naming it."""

from __future__ import annotations

import time

import pytest

from keywords import endpoint_findings
from keywords.mongodb_library import MongoDBLibrary
from lab.mongo import MongoComponent
from tests.helpers import failure_of, running_lab


@pytest.fixture
def silent_mongodb(tmp_path):
    endpoint_findings.forget_all()
    with running_lab(tmp_path, [MongoComponent()], frozenset({"mongo-unresponsive"})) as published:
        yield published
    endpoint_findings.forget_all()


def timed_failure(call) -> tuple[str, float]:
    started = time.monotonic()
    message = failure_of(call)
    return message, time.monotonic() - started


def test_the_second_connection_to_a_silent_mongodb_fails_at_once_naming_the_first_finding(silent_mongodb):
    library = MongoDBLibrary(environment="lab")
    first, first_waited = timed_failure(library.connect_to_mongodb)
    second, second_waited = timed_failure(library.connect_to_mongodb)
    target = f"127.0.0.1:{silent_mongodb['LAB_MONGO_PORT']}"
    assert first.startswith(f"MongoDB network failure at {target} during authenticate and ping: no answer in time")
    assert first_waited > 4.5  # the lab's 5 s server selection timeout, waited once
    assert second.startswith(
        f"MongoDB network failure at {target} during connect: not answering: no answer to authenticate and ping "
        f"within 5 s (blocked: an earlier check found {target} not answering at "
    )
    assert second.endswith("; not waited for again)")
    assert second_waited < 0.5


def test_a_refused_port_is_not_remembered(tmp_path):
    endpoint_findings.forget_all()
    with running_lab(tmp_path, [MongoComponent()], frozenset({"mongo-down"})):
        library = MongoDBLibrary(environment="lab")
        assert "connection refused" in failure_of(library.connect_to_mongodb)
        assert "connection refused" in failure_of(library.connect_to_mongodb)  # checked again: it may be back
