"""The ports the lab holds: one kept for a server it starts (ReservedPort), and stand-ins for a server that is down
(ClosedPort) or hung (SilentListener)."""

from __future__ import annotations

import socket

import pytest

from lab.ports import ClosedPort, ReservedPort, SilentListener, unreachable_port


def test_a_closed_port_refuses_connections():
    with ClosedPort() as closed, pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", closed.port), timeout=5).close()


def test_while_a_closed_port_is_held_no_server_can_take_it_not_even_with_reuse_address():
    # Go's net.Listen (kube-apiserver, etcd, kwok) sets SO_REUSEADDR: it must still find the port taken, or a lab
    # started beside this one could answer where this one's "down" server is published.
    with ClosedPort() as closed:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        with server, pytest.raises(OSError, match="Address already in use"):
            server.bind(("127.0.0.1", closed.port))
    with socket.create_server(("127.0.0.1", closed.port)):  # closing it frees the port
        pass


def test_a_silent_listener_accepts_and_never_answers():
    listener = SilentListener()
    try:
        with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as client:
            client.settimeout(0.2)
            with pytest.raises(TimeoutError):
                client.recv(1)
    finally:
        listener.close()


def test_a_reserved_port_is_free_for_its_server_and_for_no_one_else():
    with ReservedPort() as reserved:
        # Its server sets SO_REUSEADDR, as Go's listeners, sshd, stunnel and PostgreSQL do: it binds and listens.
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        with server:
            server.bind(("127.0.0.1", reserved.port))
            server.listen()
            socket.create_connection(("127.0.0.1", reserved.port), timeout=5).close()
        # Anyone else asking the kernel for a free port never gets it, and no one can bind it without SO_REUSEADDR.
        handed_out = set()
        for _ in range(2000):
            with socket.socket() as other:
                other.bind(("127.0.0.1", 0))
                handed_out.add(other.getsockname()[1])
        assert reserved.port not in handed_out
        with socket.socket() as other, pytest.raises(OSError, match="Address already in use"):
            other.bind(("127.0.0.1", reserved.port))


def test_a_fault_puts_a_closed_port_a_silent_listener_or_nothing_where_the_server_should_be():
    refused, silent = unreachable_port(refused=True, silent=True), unreachable_port(refused=False, silent=True)
    try:
        assert (type(refused), type(silent)) == (ClosedPort, SilentListener)
    finally:
        refused.close()
        silent.close()
    assert unreachable_port(refused=False, silent=False) is None
