"""Loopback ports the lab holds while it runs: one kept for a server it starts, and stand-ins for a server that is
down or hung. Each is a socket bound to port 0 on ``host``; closing it frees the port."""

from __future__ import annotations

import socket


class HeldPort:
    """A socket the lab holds on a port: ``port``, and ``close`` (or a ``with`` block) to free it."""

    def __init__(self, held: socket.socket) -> None:
        self._socket = held
        self.port: int = held.getsockname()[1]

    def close(self) -> None:
        self._socket.close()

    def __enter__(self) -> HeldPort:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class ReservedPort(HeldPort):
    """A port kept for a server the lab starts: hand ``port`` to the server, hold this until the lab stops.

    A port found free and released at once (bind to port 0, close) can be handed out again before the server binds
    it: CI starts three labs at once, and a server then fails with "address already in use". This one stays bound,
    never listening, with ``SO_REUSEADDR``: the kernel picks it for no other socket, and a server that sets
    ``SO_REUSEADDR`` too (Go's listeners, OpenSSH's sshd, stunnel and PostgreSQL all do) binds and listens on it.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        held = socket.socket()
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        held.bind((host, 0))
        super().__init__(held)


class ClosedPort(HeldPort):
    """A port bound and never listening: connections to it are refused, as to a server that is down.

    Without ``SO_REUSEADDR``, so while it is held no other process (another lab's server, started at the same time)
    can bind it and answer there.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        held = socket.socket()
        held.bind((host, 0))
        super().__init__(held)


class SilentListener(HeldPort):
    """A listening socket nobody reads: the kernel completes TCP handshakes, and nothing ever answers.

    It stands for a hung or black-holed server.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__(socket.create_server((host, 0)))


def unreachable_port(*, refused: bool, silent: bool, host: str = "127.0.0.1") -> HeldPort | None:
    """What a fault puts where a server should be: a :class:`ClosedPort` when it must refuse, a
    :class:`SilentListener` when it must accept and never answer, ``None`` when the server runs."""
    if refused:
        return ClosedPort(host)
    return SilentListener(host) if silent else None
