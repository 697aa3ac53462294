"""What a host's own tools print, read into facts: ``df -P`` / ``df -Pi`` lines, the listening sockets of
``/proc/net/tcp`` and ``/proc/net/tcp6``, the last lines of a file. Pure functions: no connection, no Robot
Framework; the library runs the commands and judges the facts.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

#: One POSIX ``df -P`` line (``df -Pi`` has the same shape): the file system's name may hold spaces, the mount
#: point starts with ``/``; a file system that does not count inodes shows ``-``.
_DF_LINE = re.compile(
    r"^(?P<name>.+?)\s+(?P<total>\d+|-)\s+(?P<used>\d+|-)\s+(?P<available>\d+|-)\s+(?P<percent>\d+%|-)\s+"
    r"(?P<mount>/.*)$"
)
#: TCP state ``0A`` of the kernel's socket tables: LISTEN.
TCP_LISTEN = "0A"


class UnreadableOutput(ValueError):
    """The tool printed something this module cannot read; the message says what was expected."""


@dataclass(frozen=True)
class Usage:
    """One file system as ``df -P`` (blocks of 1024 bytes) or ``df -Pi`` (inodes) reports it; ``percent`` is
    ``None`` where the file system does not count (``-``)."""

    file_system: str
    total: int | None
    used: int | None
    available: int | None
    percent: int | None
    mounted_on: str


def parse_df(output: str) -> Usage:
    """The one file system of ``df -P PATH`` (or ``df -Pi PATH``) output: a header line, then its line."""
    lines = [line for line in output.splitlines() if line.strip()]
    if len(lines) < 2 or not lines[0].startswith("Filesystem"):
        raise UnreadableOutput(f"expected a 'Filesystem ...' header and one line, got {output.strip()[:200]!r}")
    match = _DF_LINE.match(lines[-1].strip())
    if not match:
        raise UnreadableOutput(f"expected a POSIX df line (name, 4 numbers, mount point), got {lines[-1][:200]!r}")

    def number(key: str) -> int | None:
        value = match.group(key).rstrip("%")
        return None if value == "-" else int(value)

    return Usage(
        match.group("name"),
        number("total"),
        number("used"),
        number("available"),
        number("percent"),
        match.group("mount"),
    )


def human_kib(kib: int) -> str:
    """``10240`` KiB as ``10.0 MiB``."""
    size = float(kib)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


@dataclass(frozen=True, order=True)
class Listening:
    """A TCP socket in LISTEN state: its local address (``0.0.0.0`` / ``::``: every address) and port."""

    port: int
    address: str

    def serves(self, address: str | None) -> bool:
        """Whether a client connecting to ``address`` (``None``: any) reaches this socket."""
        if address is None:
            return True
        wanted = ipaddress.ip_address(address)
        mine = ipaddress.ip_address(self.address)
        if mine.is_unspecified:
            return mine.version == wanted.version or (mine.version == 6 and wanted.version == 4)
        mapped = getattr(mine, "ipv4_mapped", None)
        return wanted in (mine, mapped)

    def __str__(self) -> str:
        return f"[{self.address}]:{self.port}" if ":" in self.address else f"{self.address}:{self.port}"


def parse_proc_net_tcp(text: str) -> list[Listening]:
    """The LISTEN sockets of ``/proc/net/tcp`` and ``/proc/net/tcp6`` text (their header lines are skipped),
    sorted and without duplicates."""
    found = set()
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 4 or ":" not in fields[1] or fields[3] != TCP_LISTEN:
            continue
        address_hex, port_hex = fields[1].rsplit(":", 1)
        try:
            found.add(Listening(int(port_hex, 16), str(_kernel_address(address_hex))))
        except ValueError:
            continue  # a line that is not a socket entry
    return sorted(found)


def _kernel_address(hex_address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The kernel prints addresses as 32-bit words in host byte order (little-endian on x86 and arm64)."""
    raw = bytes.fromhex(hex_address)
    if len(raw) not in (4, 16):
        raise ValueError(hex_address)
    swapped = b"".join(raw[index : index + 4][::-1] for index in range(0, len(raw), 4))
    return ipaddress.ip_address(swapped)


def last_lines(text: str, count: int) -> str:
    """The last ``count`` lines of ``text`` (a final line break does not count as an empty last line)."""
    if count <= 0:
        return ""
    lines = text.splitlines(keepends=True)
    return "".join(lines[-count:])
