"""Per-run secrets of the SSH lab: host keys, passwords, the client key pair and the known_hosts file."""

from __future__ import annotations

import secrets
import warnings
from pathlib import Path

import asyncssh


def new_password() -> str:
    return secrets.token_urlsafe(18)


def new_ed25519_key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519", comment="focus-lab")


def public_line(key: asyncssh.SSHKey) -> str:
    """``ssh-ed25519 AAAA...`` without the comment."""
    algorithm, blob = key.export_public_key("openssh").decode().split()[:2]
    return f"{algorithm} {blob}"


def known_hosts_name(host: str, port: int) -> str:
    """How OpenSSH and paramiko name a host in known_hosts: bare on port 22, ``[host]:port`` otherwise."""
    return host if port == 22 else f"[{host}]:{port}"


def write_client_keys(folder: Path, passphrase: str) -> tuple[asyncssh.SSHKey, Path, Path]:
    """One client key pair, written plain and passphrase-protected (OpenSSH format, mode 0600)."""
    key = new_ed25519_key()
    plain, protected = folder / "client_ed25519", folder / "client_ed25519_protected"
    for path in (plain, protected):
        path.unlink(missing_ok=True)
    key.write_private_key(plain)
    with warnings.catch_warnings():  # bcrypt warns below 50 rounds; 16 is OpenSSH's default and keeps tests fast
        warnings.simplefilter("ignore", UserWarning)
        key.write_private_key(protected, passphrase=passphrase, rounds=16)
    key.write_public_key(folder / "client_ed25519.pub")
    for path in (plain, protected):
        path.chmod(0o600)
    return key, plain, protected


def write_known_hosts(path: Path, entries: dict[str, asyncssh.SSHKey]) -> None:
    """``entries`` maps known_hosts names to the key the client should expect there."""
    path.write_text("".join(f"{name} {public_line(key)}\n" for name, key in entries.items()), encoding="utf-8")
