"""A TCP connect probe: tells "nothing listens" from "cannot reach" before a client library hides the cause."""

from __future__ import annotations

import errno
import socket

_REASONS = {
    errno.ECONNREFUSED: "connection refused",
    errno.EHOSTUNREACH: "no route to host",
    errno.ENETUNREACH: "network unreachable",
}


class TcpProbeError(Exception):
    """The TCP connection failed; ``reason`` is a short phrase such as ``connection refused``."""

    def __init__(self, host: str, port: int, reason: str) -> None:
        super().__init__(f"{host}:{port} {reason}")
        self.host = host
        self.port = port
        self.reason = reason


def probe_tcp(host: str, port: int, timeout_s: float) -> None:
    """Open and close a TCP connection to ``host:port``; raise :class:`TcpProbeError` naming why it failed."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except socket.gaierror as error:
        raise TcpProbeError(host, port, f"DNS lookup failed ({error.strerror})") from None
    except TimeoutError:
        raise TcpProbeError(host, port, f"timed out after {timeout_s:g} s") from None
    except OSError as error:
        reason = _REASONS.get(error.errno, error.strerror or str(error))
        raise TcpProbeError(host, port, reason) from None
