"""Real OpenSSH hosts for compatibility checks: a jump ``sshd`` on 127.0.0.1 and a target ``sshd`` on 127.0.0.2;
a second bastion on 127.0.0.3 (the chain jump -> bastion2 -> target) and a hardened jump host on 127.0.0.4 that
forbids forwarding (``AllowTcpForwarding no``, a common bastion setting).

Needs root (sshd privilege separation, test users) and Debian's ``openssh-server``. The jump host may forward
only to the target and the second bastion (``PermitOpen``), the second bastion only to the target, so the target
is reached through a jump host's ``direct-tcpip``.
Usage outside pytest: ``sudo .venv/bin/python -m lab.openssh_hosts`` prints the settings and runs until Ctrl-C.
"""

from __future__ import annotations

import os
import pwd
import secrets
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import asyncssh

from lab.component import LabContext
from lab.ports import ReservedPort
from lab.ssh_hosts.identities import known_hosts_name, new_ed25519_key, new_password, public_line

SSHD = Path("/usr/sbin/sshd")
PRIVILEGE_SEPARATION_DIR = Path("/run/sshd")
STARTUP_TIMEOUT_S = 5.0

SSHD_CONFIG = """\
ListenAddress {address}:{port}
HostKey {host_key}
PidFile {folder}/sshd.pid
AllowUsers {user}
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
# No ssh-rsa (SHA-1): RSA keys must sign with rsa-sha2, as on modern servers.
PubkeyAcceptedAlgorithms ssh-ed25519,rsa-sha2-512,rsa-sha2-256
PermitRootLogin no
# Passwords are checked against /etc/shadow directly; no PAM stack is needed.
UsePAM no
X11Forwarding no
# SFTP for Read Remote File, in-process (no sftp-server binary needed).
Subsystem sftp internal-sftp
PrintMotd no
PrintLastLog no
LogLevel {log_level}
{forwarding}
"""
JUMP_FORWARDING = "AllowTcpForwarding yes\nPermitOpen {target_address}:{target_port} {bastion2_address}:{bastion2_port}"
BASTION2_FORWARDING = "AllowTcpForwarding yes\nPermitOpen {target_address}:{target_port}"
TARGET_FORWARDING = "AllowTcpForwarding no"
HARDENED_FORWARDING = "AllowTcpForwarding no"


@dataclass(frozen=True)
class SshdHost:
    """One sshd instance: where it listens and who may log in."""

    role: str
    address: str
    user: str
    log_level: str


def sshd_hosts(suffix: str) -> tuple[SshdHost, ...]:
    """Jump, target, second bastion and hardened jump host; ``suffix`` makes the users unique, so parallel test
    workers never share one."""
    jump = SshdHost("jump", "127.0.0.1", f"focusjump-{suffix}", "DEBUG1")  # DEBUG1 logs each direct-tcpip request
    return (
        jump,
        SshdHost("target", "127.0.0.2", f"focustarget-{suffix}", "VERBOSE"),
        SshdHost("bastion2", "127.0.0.3", f"focusbastion-{suffix}", "DEBUG1"),
        SshdHost("hardened", "127.0.0.4", f"focushard-{suffix}", "DEBUG1"),
    )


def unavailable_reason() -> str | None:
    """Why real sshd hosts cannot run here, or ``None`` when they can."""
    if os.geteuid() != 0:
        return "OpenSSH hosts need root (sshd privilege separation and test users)"
    if not SSHD.is_file():
        return f"{SSHD} not found: apt-get install -y openssh-server"
    return None


class OpenSshHostsComponent:
    """Lab component ``openssh``: two sshd processes with per-run host keys, passwords and client keys."""

    name = "openssh"

    def __init__(self) -> None:
        self._processes: list[subprocess.Popen] = []
        self._ports: list[ReservedPort] = []
        self._created_users: list[str] = []
        self._hosts = sshd_hosts(secrets.token_hex(3))

    def start(self, context: LabContext) -> dict[str, str]:
        reason = unavailable_reason()
        if reason:
            raise RuntimeError(reason)
        folder = context.state_dir / "openssh"
        folder.mkdir(parents=True, exist_ok=True)
        PRIVILEGE_SEPARATION_DIR.mkdir(mode=0o755, exist_ok=True)
        client_keys = _write_client_keys(folder)
        jump, target, bastion2, hardened = self._hosts
        self._ports = [ReservedPort(host.address) for host in self._hosts]
        ports = {host.role: reserved.port for host, reserved in zip(self._hosts, self._ports, strict=True)}
        addresses = {
            "target_address": target.address,
            "target_port": ports[target.role],
            "bastion2_address": bastion2.address,
            "bastion2_port": ports[bastion2.role],
        }
        forwarding = {
            jump.role: JUMP_FORWARDING.format(**addresses),
            target.role: TARGET_FORWARDING,
            bastion2.role: BASTION2_FORWARDING.format(**addresses),
            hardened.role: HARDENED_FORWARDING,
        }
        published, known_hosts = {}, []
        for host in self._hosts:
            password = new_password()
            self._ensure_user(host.user, password, folder / "authorized_keys")
            host_folder = folder / host.role
            host_key = _write_host_folder(host_folder, host, ports[host.role], forwarding[host.role])
            self._processes.append(_start_sshd(host_folder, host, ports[host.role]))
            known_hosts.append(f"{known_hosts_name(host.address, ports[host.role])} {public_line(host_key)}\n")
            prefix = f"LAB_OPENSSH_{host.role.upper()}"
            published |= {
                f"{prefix}_HOST": host.address,
                f"{prefix}_PORT": str(ports[host.role]),
                f"{prefix}_USER": host.user,
                f"{prefix}_PASSWORD": password,
                f"{prefix}_LOG": str(host_folder / "sshd.log"),
            }
        (folder / "known_hosts").write_text("".join(known_hosts), encoding="utf-8")
        return published | {
            "LAB_OPENSSH_KNOWN_HOSTS": str(folder / "known_hosts"),
            "LAB_OPENSSH_CLIENT_ED25519_KEY": str(client_keys["ed25519"]),
            "LAB_OPENSSH_CLIENT_RSA_KEY": str(client_keys["rsa"]),
        }

    def stop(self) -> None:
        for process in self._processes:
            process.terminate()
            process.wait(timeout=STARTUP_TIMEOUT_S)
        self._processes.clear()
        for reserved in self._ports:
            reserved.close()
        self._ports.clear()
        for user in self._created_users:
            _remove_user(user)
        self._created_users.clear()

    def _ensure_user(self, user: str, password: str, authorized_keys: Path) -> None:
        """Create ``user`` if needed, set its password and install the client keys as the user's own."""
        try:
            pwd.getpwnam(user)
        except KeyError:
            subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", user], check=True, capture_output=True)
            self._created_users.append(user)
        subprocess.run(["chpasswd"], input=f"{user}:{password}\n", text=True, check=True, capture_output=True)
        # sshd reads authorized_keys as the user, with StrictModes: it must be the user's, in a 0700 ~/.ssh.
        account = pwd.getpwnam(user)
        ssh_folder = Path(account.pw_dir) / ".ssh"
        ssh_folder.mkdir(mode=0o700, exist_ok=True)
        (ssh_folder / "authorized_keys").write_text(authorized_keys.read_text())
        for path in (ssh_folder, ssh_folder / "authorized_keys"):
            os.chown(path, account.pw_uid, account.pw_gid)
        (ssh_folder / "authorized_keys").chmod(0o600)


def _write_client_keys(folder: Path) -> dict[str, Path]:
    """An ed25519 and an RSA client key, both authorized on both hosts."""
    keys = {"ed25519": new_ed25519_key(), "rsa": asyncssh.generate_private_key("ssh-rsa", key_size=3072)}
    paths = {}
    for kind, key in keys.items():
        path = folder / f"client_{kind}"
        path.unlink(missing_ok=True)
        key.write_private_key(path)
        path.chmod(0o600)
        paths[kind] = path
    (folder / "authorized_keys").write_text("".join(f"{public_line(key)}\n" for key in keys.values()))
    return paths


def _write_host_folder(folder: Path, host: SshdHost, port: int, forwarding: str) -> asyncssh.SSHKey:
    folder.mkdir(parents=True, exist_ok=True)
    host_key = new_ed25519_key()
    key_file = folder / "ssh_host_ed25519_key"
    key_file.unlink(missing_ok=True)
    host_key.write_private_key(key_file)
    key_file.chmod(0o600)
    (folder / "sshd_config").write_text(
        SSHD_CONFIG.format(
            address=host.address,
            port=port,
            host_key=key_file,
            folder=folder,
            user=host.user,
            log_level=host.log_level,
            forwarding=forwarding,
        )
    )
    return host_key


def _start_sshd(folder: Path, host: SshdHost, port: int) -> subprocess.Popen:
    config = folder / "sshd_config"
    check = subprocess.run([SSHD, "-t", "-f", config], capture_output=True, text=True)
    if check.returncode:
        raise RuntimeError(f"sshd rejected {config}: {check.stderr.strip()}")
    log = (folder / "sshd.log").open("w")
    # -D: stay in the foreground so we own the process; -e: log to the file instead of syslog.
    process = subprocess.Popen([SSHD, "-D", "-e", "-f", config], stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection((host.address, port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    log_text = (folder / "sshd.log").read_text()
    raise RuntimeError(f"sshd ({host.role}) did not listen on {host.address}:{port}: {log_text}")


def _remove_user(user: str) -> None:
    """``userdel`` refuses while a just-closed session process of the user is still exiting: retry briefly."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while subprocess.run(["userdel", "--remove", user], capture_output=True).returncode not in (0, 6, 12):
        if time.monotonic() > deadline:
            raise RuntimeError(f"could not remove lab user {user}: it still has running processes")
        time.sleep(0.1)


def main() -> None:
    component = OpenSshHostsComponent()
    settings = component.start(LabContext(Path("lab/.state")))
    print("\n".join(f"{name}={value}" for name, value in settings.items()), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        component.stop()


if __name__ == "__main__":
    main()
