"""The SSH lab component: a jump host (``root``) and a target host (``prisma``) reachable only through it, and a
second bastion (``ops``) reachable only through the jump host, which forwards to the target in turn: the chain
``jump -> bastion-2 -> target`` of the environment ``lab-two-bastions``."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import asyncssh

from lab.component import LabContext
from lab.faults import settings_for
from lab.ports import HeldPort, unreachable_port
from lab.ssh_hosts.faults import WRONG_ACCOUNT, FaultSettings, LabSettings, lab_settings
from lab.ssh_hosts.identities import (
    known_hosts_name,
    new_ed25519_key,
    new_password,
    write_client_keys,
    write_known_hosts,
)
from lab.ssh_hosts.servers import Connections, LabHost, TargetRoute, listen
from lab.ssh_hosts.sessions import build_toolbox, session_environment

LOOPBACK = "127.0.0.1"
#: The address the target has behind the jump host; nothing resolves or listens there outside the tunnel.
TARGET_ADDRESS = ("target.lab", 22)
#: The second bastion's address behind the jump host; like the target, it has no TCP listener of its own.
BASTION2_ADDRESS = ("bastion-2.lab", 22)
JUMP_TOOLS = ("hostname", "whoami")
TARGET_TOOLS = ("hostname", "whoami", "kubectl", "k9s", "systemctl", "df")
#: The units the target's systemctl stand-in reports active (a lab host runs no systemd).
TARGET_ACTIVE_UNITS = "focus-server.service ssh.service"
#: A log the target host holds, in its home, for the file checks (``Read Remote File``).
FOCUS_SERVER_LOG = ("logs/focus-server.log", "2025-11-28 14:00:00,000 INFO focus_server: Focus Server started\n")
STARTUP_TIMEOUT_S = 10.0


class SshHostsComponent:
    """Lab component ``ssh``: asyncssh servers on their own event loop thread, shaped by ``context.faults``."""

    name = "ssh"
    #: Its hosts' kubectl reads the lab cluster's kubeconfig (LAB_KUBECONFIG).
    after = ("kubernetes",)

    def __init__(self, fault_settings: FaultSettings = settings_for) -> None:
        self._fault_settings = fault_settings
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._connections = Connections()
        self._unreachable_jump: HeldPort | None = None

    def start(self, context: LabContext) -> dict[str, str]:
        settings = lab_settings(context.faults, self._fault_settings)
        folder = context.state_dir / "ssh"
        folder.mkdir(parents=True, exist_ok=True)
        passphrase = new_password()
        client_key, client_key_file, protected_key_file = write_client_keys(folder, passphrase)
        kubeconfig = context.published.get("LAB_KUBECONFIG")
        jump = _host(folder, "jump", "root", JUMP_TOOLS, client_key, kubeconfig, _account("jump", settings))
        target_tools = tuple(tool for tool in TARGET_TOOLS if tool not in settings.missing_target_tools)
        target = _host(folder, "target", "prisma", target_tools, client_key, kubeconfig, _account("target", settings))
        target.environment["LAB_SSH_ACTIVE_UNITS"] = TARGET_ACTIVE_UNITS
        target.environment["LAB_SSH_DISK_USED_PERCENT"] = str(settings.target_disk_used_percent)
        log_file = Path(target.environment["HOME"]) / FOCUS_SERVER_LOG[0]
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_file.write_text(FOCUS_SERVER_LOG[1], encoding="utf-8")
        bastion2 = _host(folder, "bastion-2", "ops", JUMP_TOOLS, client_key, kubeconfig)
        forwarded_log = folder / "forwarded.log"
        forwarded_log.write_text("", encoding="utf-8")

        jump_port = self._start_jump(jump, target, bastion2, forwarded_log, settings)
        write_known_hosts(
            folder / "known_hosts",
            {
                known_hosts_name(LOOPBACK, jump_port): _expected_key(jump, "jump", settings),
                known_hosts_name(*TARGET_ADDRESS): _expected_key(target, "target", settings),
                known_hosts_name(*BASTION2_ADDRESS): bastion2.host_key,
            },
        )
        return {
            "LAB_SSH_JUMP_HOST": LOOPBACK,
            "LAB_SSH_JUMP_PORT": str(jump_port),
            "LAB_SSH_JUMP_USER": jump.username,
            "LAB_SSH_JUMP_PASSWORD": _published_password(jump, "jump", settings),
            "LAB_SSH_TARGET_HOST": TARGET_ADDRESS[0],
            "LAB_SSH_TARGET_PORT": str(TARGET_ADDRESS[1]),
            "LAB_SSH_TARGET_USER": target.username,
            "LAB_SSH_TARGET_PASSWORD": _published_password(target, "target", settings),
            "LAB_SSH_BASTION2_HOST": BASTION2_ADDRESS[0],
            "LAB_SSH_BASTION2_PORT": str(BASTION2_ADDRESS[1]),
            "LAB_SSH_BASTION2_USER": bastion2.username,
            "LAB_SSH_BASTION2_PASSWORD": bastion2.password,
            "LAB_SSH_KNOWN_HOSTS": str(folder / "known_hosts"),
            "LAB_SSH_CLIENT_KEY": str(client_key_file),
            "LAB_SSH_CLIENT_KEY_PROTECTED": str(protected_key_file),
            "LAB_SSH_CLIENT_KEY_PASSPHRASE": passphrase,
            "LAB_SSH_FORWARDED_LOG": str(forwarded_log),
        }

    def stop(self) -> None:
        if self._loop:
            self._run(self._shutdown())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=STARTUP_TIMEOUT_S)
            self._loop.close()
            self._loop = self._thread = None
        if self._unreachable_jump:
            self._unreachable_jump.close()
            self._unreachable_jump = None

    def _start_jump(self, jump: LabHost, target: LabHost, bastion2: LabHost, log: Path, settings: LabSettings) -> int:
        refused, silent = not settings.jump_listening, not settings.jump_answering
        self._unreachable_jump = unreachable_port(refused=refused, silent=silent, host=LOOPBACK)
        if self._unreachable_jump is not None:
            return self._unreachable_jump.port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="lab-ssh-hosts", daemon=True)
        self._thread.start()
        reachable = settings.target_reachable
        onwards = TargetRoute(TARGET_ADDRESS, target, self._connections, log, reachable, hop="bastion-2")
        second_hop = TargetRoute(
            BASTION2_ADDRESS,
            bastion2,
            self._connections,
            log,
            True,
            forward=onwards if settings.second_hop_forwarding else None,
        )
        route = TargetRoute(TARGET_ADDRESS, target, self._connections, log, reachable, also=second_hop)
        self._acceptor = self._run(listen(jump, self._connections, route))
        return self._acceptor.get_port()

    def _run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(STARTUP_TIMEOUT_S)

    async def _shutdown(self) -> None:
        self._acceptor.close()
        self._connections.close_all()
        # Cancelling every task also ends running commands (their handlers kill the child process).
        pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await self._acceptor.wait_closed()
        await asyncio.get_running_loop().shutdown_default_executor()  # asyncssh resolves names in its threads


def _host(
    folder: Path,
    role: str,
    username: str,
    tools: tuple[str, ...],
    client_key: asyncssh.SSHKey,
    kubeconfig: str | None,
    account: str | None = None,
) -> LabHost:
    hostname = f"lab-{role}"
    toolbox = build_toolbox(folder / role / "bin", tools)
    environment = session_environment(toolbox, folder / role / "home", hostname, kubeconfig, account)
    return LabHost(hostname, username, new_password(), new_ed25519_key(), client_key, environment)


def _account(role: str, settings: LabSettings) -> str | None:
    """The account the host's sessions stand for when it is not the login name (fault ``ssh-wrong-user``)."""
    return WRONG_ACCOUNT if role in settings.wrong_user_for else None


def _published_password(host: LabHost, role: str, settings: LabSettings) -> str:
    return new_password() if role in settings.wrong_password_for else host.password


def _expected_key(host: LabHost, role: str, settings: LabSettings) -> asyncssh.SSHKey:
    return new_ed25519_key() if role in settings.stale_host_key_for else host.host_key
