"""Loopback port helpers."""

from __future__ import annotations

import socket


def free_port(host: str = "127.0.0.1") -> int:
    """A port that nothing listens on right now, for a server the lab starts to bind.

    Released at once, so it is never published for a service that is down: another lab's server could take it
    and answer there (:class:`ClosedPort` holds one instead).
    """
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


class ClosedPort:
    """A port bound and never listening: connections to it are refused, as to a server that is down.

    It stands for a stopped server. Held while the lab runs, so no other process (another lab's server, started
    at the same time) can bind it and answer there; closing it frees the port.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._socket = socket.socket()
        self._socket.bind((host, 0))
        self.port: int = self._socket.getsockname()[1]

    def close(self) -> None:
        self._socket.close()

    def __enter__(self) -> ClosedPort:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
