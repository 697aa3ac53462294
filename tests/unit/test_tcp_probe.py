"""The TCP probe: a reachable port passes, and each unreachable one says why."""

from __future__ import annotations

import socket
import time

import pytest

from keywords.tcp_probe import TcpProbeError, probe_tcp
from lab.ports import free_port


def test_listening_port_passes():
    with socket.create_server(("127.0.0.1", 0)) as server:
        probe_tcp("127.0.0.1", server.getsockname()[1], 1.0)


def test_closed_port_is_refused_at_once():
    started = time.monotonic()
    with pytest.raises(TcpProbeError) as error:
        probe_tcp("127.0.0.1", free_port(), 5.0)
    assert error.value.reason == "connection refused"
    assert time.monotonic() - started < 0.5


def test_unknown_name_is_a_dns_failure(monkeypatch):
    def no_such_name(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    with pytest.raises(TcpProbeError, match=r"db\.example:27017: DNS lookup failed \(Name or service not known\)"):
        probe_tcp("db.example", 27017, 2.0)


def test_lookup_slower_than_the_timeout_is_reported_as_such(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: time.sleep(1.0))
    started = time.monotonic()
    with pytest.raises(TcpProbeError, match="DNS lookup timed out after 0.2 s"):
        probe_tcp("slow.example", 22, 0.2)
    assert time.monotonic() - started < 0.6
