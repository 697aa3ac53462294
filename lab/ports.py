"""Loopback port helpers."""

from __future__ import annotations

import socket


def free_port(host: str = "127.0.0.1") -> int:
    """A port that nothing listens on right now: the lab publishes it for a service that is down."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
