"""First-response evidence of PZ-13900 when the target host fails through the jump host: what the jump host sees
of the target's port, and which known_hosts line holds the key a mismatch is about.

The TCP check runs on the jump host through the SSH protocol itself: a ``direct-tcpip`` channel, the jump host
connecting to the target's port with its own resolver and routes, exactly as ``ssh -J`` does. It needs no shell
on the jump host, only the port forwarding the suite already relies on.
"""

from __future__ import annotations

from pathlib import Path

import paramiko

from keywords.ssh.channels import ForwardRefused, open_forwarded_channel
from keywords.ssh.failures import tcp_check_refused

#: Bytes read from the target's port: an SSH server's banner line fits.
BANNER_BYTES = 256


def tcp_check_from_jump_host(
    transport: paramiko.Transport, host: str, port: int, timeout_s: float, hop: str = "the jump host"
) -> str:
    """One line: whether ``hop`` (the last working hop of a chain) reaches ``host:port``, and what the port sent
    first. A hop that refuses to open the channel at all (its forwarding policy) did not try the port: the line
    says "not tried", never "not connected"."""
    where = f"TCP check from {hop} to {host}:{port} (a direct-tcpip channel, as ssh -J opens)"
    try:
        channel = open_forwarded_channel(transport, host, port, timeout_s)
    except ForwardRefused as refused:
        return f"{where}: {tcp_check_refused(refused.refusal)}"
    try:
        channel.settimeout(timeout_s)
        first = channel.recv(BANNER_BYTES)
    except TimeoutError:
        return f"{where}: connected, but the port sent nothing within {timeout_s:g} s (no SSH server answers)"
    except OSError as error:
        return f"{where}: connected, then {error}"
    finally:
        channel.close()
    if not first:
        return f"{where}: connected, then closed at once without a banner"
    line = first.split(b"\n")[0].decode("ascii", "replace").strip()
    return f"{where}: connected; the port answered '{line}'"


def known_hosts_lines(known_hosts: str, name: str) -> list[str]:
    """The lines of file ``known_hosts`` that hold a key for ``name`` (as known_hosts names it), numbered, so the
    one to review is found at once; hashed names are matched too."""
    path = Path(known_hosts).expanduser()
    if not path.is_file():
        return [f"known_hosts {path}: not readable here"]
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        try:
            entry = paramiko.hostkeys.HostKeyEntry.from_line(line, number)
        except (paramiko.SSHException, paramiko.hostkeys.InvalidHostKey, ValueError):  # not a key line
            continue
        if entry is None or not any(_names(host, name) for host in entry.hostnames):
            continue
        found.append(f"known_hosts {path} line {number}: {entry.key.get_name()} {entry.key.fingerprint}")
    return found or [f"known_hosts {path}: no line for {name}"]


def _names(field: str, name: str) -> bool:
    if field.startswith("|1|"):
        return paramiko.HostKeys.hash_host(name, field) == field
    return field == name
