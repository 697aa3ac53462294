"""A TCP connect probe that names why a port cannot be reached, before a driver's own (slower) retry loop."""

from __future__ import annotations

import errno
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as LookupTimeout


class TcpProbeError(Exception):
    """The port could not be reached; ``reason`` is short, e.g. ``connection refused``."""

    def __init__(self, host: str, port: int, reason: str) -> None:
        super().__init__(f"{host}:{port}: {reason}")
        self.reason = reason


_REASONS = {
    errno.ECONNREFUSED: "connection refused",
    errno.EHOSTUNREACH: "no route to host",
    errno.ENETUNREACH: "network unreachable",
}
# getaddrinfo has no timeout of its own: it runs here, and a lookup that outlives the probe is abandoned.
_LOOKUPS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="tcp-probe-dns")


def probe_tcp(host: str, port: int, timeout_s: float) -> None:
    """Open and close a TCP connection to ``host:port`` within ``timeout_s`` or raise :class:`TcpProbeError`."""
    probe_address(host, port, timeout_s).close()


def probe_address(host: str, port: int, timeout_s: float) -> socket.socket:
    """A TCP connection to ``host:port`` opened within ``timeout_s`` (the caller closes it), or
    :class:`TcpProbeError`."""
    try:
        addresses = _LOOKUPS.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM).result(timeout_s)
    except LookupTimeout:
        raise TcpProbeError(host, port, f"DNS lookup timed out after {timeout_s:g} s") from None
    except socket.gaierror as error:
        raise TcpProbeError(host, port, f"DNS lookup failed ({error.strerror})") from None
    family, kind, protocol, _, address = addresses[0]
    connection = socket.socket(family, kind, protocol)
    try:
        connection.settimeout(timeout_s)
        connection.connect(address)
    except TimeoutError:
        connection.close()
        raise TcpProbeError(host, port, f"timed out after {timeout_s:g} s") from None
    except OSError as error:
        connection.close()
        reason = _REASONS.get(error.errno, error.strerror or str(error))
        raise TcpProbeError(host, port, reason) from None
    return connection
