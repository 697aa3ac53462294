"""The TCP probe: a reachable port passes, and each unreachable one says why."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from keywords.common.tcp_probe import TcpProbeError, probe_tcp
from lab.ports import ClosedPort

#: Generous: 3x the longest timeout given to a probe here (5 s). Timing is measured in bench/, not here.
HANG_BOUND_S = 15.0


def test_listening_port_passes():
    with socket.create_server(("127.0.0.1", 0)) as server:
        probe_tcp("127.0.0.1", server.getsockname()[1], 1.0)


def test_closed_port_is_reported_as_refused_not_as_a_timeout():
    started = time.monotonic()
    with ClosedPort() as closed, pytest.raises(TcpProbeError) as error:
        probe_tcp("127.0.0.1", closed.port, 5.0)
    assert error.value.reason == "connection refused"  # a wait for the 5 s would say "timed out after 5 s"
    assert time.monotonic() - started < HANG_BOUND_S  # a hang bound, not a measurement


def test_unknown_name_is_a_dns_failure(monkeypatch):
    def no_such_name(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    with pytest.raises(TcpProbeError, match=r"db\.example:27017: DNS lookup failed \(Name or service not known\)"):
        probe_tcp("db.example", 27017, 2.0)


def test_lookup_slower_than_the_timeout_is_reported_as_such_and_abandoned(monkeypatch):
    release, finished = threading.Event(), threading.Event()

    def hanging_lookup(*args, **kwargs):  # a resolver that answers only when the test lets it
        release.wait(2 * HANG_BOUND_S)
        finished.set()
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", hanging_lookup)
    started = time.monotonic()
    try:
        with pytest.raises(TcpProbeError, match="DNS lookup timed out after 0.2 s"):
            probe_tcp("slow.example", 22, 0.2)
        assert not finished.is_set()  # the probe gave up on the lookup; it did not wait for the resolver
        assert time.monotonic() - started < HANG_BOUND_S  # a hang bound, not a measurement
    finally:
        release.set()  # frees the probe's lookup thread
