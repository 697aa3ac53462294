"""Loopback port helpers."""

from __future__ import annotations

import socket


def free_port(host: str = "127.0.0.1") -> int:
    """A port that nothing listens on right now: the lab publishes it for a service that is down."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class SilentListener:
    """A listening socket nobody reads: the kernel completes TCP handshakes, and nothing ever answers.

    It stands for a hung or black-holed server; closing it frees the port.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._socket = socket.create_server((host, 0))
        self.port: int = self._socket.getsockname()[1]

    def close(self) -> None:
        self._socket.close()
