"""The lab's stand-ins for a server that is down (ClosedPort) or hung (SilentListener)."""

from __future__ import annotations

import socket

import pytest

from lab.ports import ClosedPort, SilentListener


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
