"""SSH access to production hosts through a jump host (PZ-13900), as a Robot Framework keyword library.

The target host is reached only through a ``direct-tcpip`` channel of the jump host's connection, never by a
second direct connection. Host keys are verified against ``known_hosts``. Every failure names the layer (SSH),
the host (``user@host:port``, and ``via jump host ...`` for the target) and the cause: network,
authentication, host key, command or a missing tool.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import shlex
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paramiko
from robot.api import SkipExecution, logger
from robot.api.deco import keyword, library

from keywords.common.connections import Connections, OpenedConnection
from keywords.common.endpoint_findings import fail_if_found_not_answering, record_not_answering
from keywords.common.evidence import log_evidence
from keywords.common.measurements import log_measurement
from keywords.common.outcomes import SettingsUnusable
from keywords.common.tcp_probe import TcpProbeError, probe_tcp
from keywords.common.terminal_text import readable_text
from keywords.config.environment_choice import selected_environment_name, settings_of
from keywords.config.environments import reveal
from keywords.ssh.channels import ForwardRefused, open_forwarded_channel
from keywords.ssh.evidence import known_hosts_lines, tcp_check_from_jump_host
from keywords.ssh.failures import ordinal_role, refusal_cause
from keywords.ssh.host_facts import UnreadableOutput, Usage, human_kib, last_lines, parse_df, parse_proc_net_tcp

#: Exit status of POSIX shells for "command not found".
COMMAND_NOT_FOUND = 127
LAYER = "SSH"
JUMP, TARGET = "jump", "target"
#: The TCP check of the evidence waits at most this long (or the SSH timeout, if shorter) for the target's banner.
EVIDENCE_TIMEOUT_S = 3.0
#: `Read Remote File` reads at most this many bytes unless told otherwise: a log, not a disk image.
MAX_FILE_BYTES = 1024 * 1024
#: A file whose size the server does not tell (``/proc``) is read through to its end up to this many bytes.
MAX_TAIL_SCAN_BYTES = 64 * MAX_FILE_BYTES
#: Lines of a file, or of a tool's answer, an evidence block shows.
EVIDENCE_LINES = 20


class UnknownHostKeyError(paramiko.SSHException):
    """The server's host key is not in known_hosts."""


@dataclass(frozen=True)
class HostSettings:
    """One host of the ``ssh`` section, secrets unwrapped only here."""

    role: str
    host: str
    port: int
    username: str
    password: str | None = field(repr=False)
    key_file: str | None
    key_passphrase: str | None = field(repr=False)
    use_agent: bool
    #: Its dotted key in the ``ssh`` section, for messages: ``jump_host``, ``jump_hosts.1``, ``target_host``.
    key: str | None = None

    @classmethod
    def from_section(cls, role: str, section: dict[str, Any], key: str | None = None) -> HostSettings:
        return cls(
            role=role,
            key=key,
            host=section["host"],
            port=section["port"],
            username=section["username"],
            password=reveal(section.get("password")),
            key_file=str(Path(section["key_file"]).expanduser()) if section.get("key_file") else None,
            key_passphrase=reveal(section.get("key_passphrase")),
            use_agent=section.get("use_agent", False),
        )

    @property
    def address(self) -> str:
        return f"{self.username}@{self.host}:{self.port}"

    @property
    def named(self) -> str:
        """``jump host root@10.0.0.3:22``: the role and the address, as failures name a hop."""
        return f"{self.role} {self.address}"

    @property
    def known_hosts_name(self) -> str:
        """How known_hosts names this host: bare on port 22, ``[host]:port`` otherwise."""
        return self.host if self.port == 22 else f"[{self.host}]:{self.port}"

    @property
    def auth_methods(self) -> list[str]:
        """The methods this client will try, in paramiko's order: key file, agent, password."""
        methods = [f"publickey (key_file {self.key_file})"] if self.key_file else []
        methods += ["publickey (ssh-agent)"] if self.use_agent else []
        return methods + (["password"] if self.password else [])


@dataclass(frozen=True)
class CommandResult:
    """What a remote command gave back; in Robot use ``${result.stdout}``, ``${result.exit_status}``.

    ``stdout`` and ``stderr`` are the text people read: terminal colour and control sequences removed (see
    `Execute Command`); ``raw_stdout`` and ``raw_stderr`` are what the command printed, byte for byte decoded.
    """

    command: str
    stdout: str
    stderr: str
    exit_status: int
    raw_stdout: str = field(default="", repr=False)
    raw_stderr: str = field(default="", repr=False)


@dataclass
class _Session:
    client: paramiko.SSHClient
    settings: HostSettings
    label: str
    latency_s: float
    timeout_s: float
    jump: _Session | None = None  # the session whose direct-tcpip channel carries this one
    closed: bool = False

    @property
    def login(self) -> str:
        return f"{self.settings.username}@{self.settings.host}"

    def close(self) -> None:
        if not self.closed:
            self.client.close()
            self.closed = True
            logger.info(f"SSH: closed {self.label}")


class _VerifyHostKey(paramiko.MissingHostKeyPolicy):
    """Unknown host keys fail with their fingerprint, unless ``accept_unknown_host_keys`` (then a warning)."""

    def __init__(self, accept_unknown: bool, known_hosts: str) -> None:
        self._accept_unknown = accept_unknown
        self._known_hosts = known_hosts

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        found = f"unknown host key for {hostname}: fingerprint {key.fingerprint} ({key.get_name()})"
        if not self._accept_unknown:
            raise UnknownHostKeyError(f"{found}, not in {self._known_hosts}; verify it and add it to known_hosts")
        logger.warn(f"SSH: accepting {found} because accept_unknown_host_keys is true")


class _TransportErrors(logging.Handler):
    """The errors paramiko's transport thread logs: some never reach the exception the caller gets."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def saw(self, text: str) -> bool:
        return any(text in message for message in self.messages)


@library(scope="SUITE")
class JumpHostSSHLibrary:
    """Checks SSH access to a production host through its jump host (PZ-13900).

    Settings come from the ``ssh`` section of the selected environment (see ``variables/environments.yaml``):
    ``jump_host`` and ``target_host`` (``host``, ``port``, ``username`` and ``password``, ``key_file`` with
    ``key_passphrase``, or ``use_agent``), ``known_hosts``, ``accept_unknown_host_keys``, ``timeout_s`` and
    ``max_connect_latency_s``. The section is read when connecting, so a suite imports the library first and
    the environment's variables only need to exist when the test runs.

    Unusable settings (no credentials, a key file or known_hosts that is not there, no host section) fail as
    "not checked", never as an SSH failure.

    = Connections =

    Connections are kept by alias (``jump`` and ``target`` by default); commands run on the current one (the
    last opened, or the one chosen with `Switch SSH Connection`) unless ``alias`` names another. A keyword
    used without an open connection raises ``RuntimeError``. Connections are closed by
    `Close All SSH Connections` and, as a safety net, when the suite ends: the same model as the MongoDB and
    Kubernetes libraries.

    Example:
    | Library                              | keywords.ssh.library.JumpHostSSHLibrary |  |
    | Skip If SSH Access Is Disabled         |                         |        |
    | Connect To Jump Host                 |                         |        |
    | Remote User Should Match Configuration |                       |        |
    | Connect To Target Through Jump Host  |                         |        |
    | Command Output Should Contain        | kubectl version --client | Client Version |
    | Connection Latency Should Be Below   |                         |        |
    | [Teardown]                           | Close All SSH Connections |      |
    """

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, environment: str | None = None) -> None:
        """``environment`` overrides ``${ENV}`` (the selected environment) for this import."""
        self._environment = environment
        self.ROBOT_LIBRARY_LISTENER = self
        self._connections: Connections[_Session] = Connections(LAYER, "Connect To Jump Host")

    @keyword("Skip If SSH Access Is Disabled")
    def skip_if_ssh_access_is_disabled(self) -> None:
        """Skips the test when the environment has ``ssh: {enabled: false}``, giving that as the reason.

        Example:
        | Skip If SSH Access Is Disabled |
        """
        self._ssh_section()

    @keyword
    def connect_to_jump_host(self, alias: str = JUMP, environment: str | None = None) -> OpenedConnection:
        """Connects and authenticates to the jump host as ``alias``; returns the connection with its ``seconds``.

        The same arguments as every library's connect keyword: ``alias``, then ``environment`` (default: the
        library's, else ``${ENV}``), whose ``ssh`` section names the jump host (``jump_host``) or a chain of them
        (``jump_hosts``, first to last).

        The TCP port of the (first) jump host is probed first, so a refused or unreachable port fails at once with
        a network cause. A connection already open under ``alias`` is closed first, with every target tunnelled
        through it.

        With a chain, each bastion is reached through a ``direct-tcpip`` channel of the one before it, its host key
        verified against known_hosts and each step bounded by ``timeout_s``; a failure names the bastion that
        failed and the one it was reached through. The last bastion is kept as ``alias`` (the one targets are
        reached through), the earlier ones as ``alias-1``, ``alias-2``, ...; ``seconds`` is the last hop's own
        time (opening its tunnel, connect and authentication).

        Example:
        | ${jump}= | Connect To Jump Host |
        | Log | ${jump.seconds} |
        | Command Should Succeed | hostname | alias=jump-1 | # the first bastion of a chain of two |
        """
        ssh = self._ssh_section(environment)
        hops = self._jump_hosts(ssh, environment)
        for hop in hops:
            _check_credentials(hop)
        aliases = [f"{alias}-{number}" for number in range(1, len(hops))] + [alias]
        for name in aliases:
            if self._connections.is_open(name):
                self._close_tunnels_through(self._connections.get(name))
        first = hops[0]
        fail_if_found_not_answering(f"{first.host}:{first.port}", f"SSH {first.named}: network")
        try:
            probe_tcp(first.host, first.port, ssh["timeout_s"])
        except TcpProbeError as error:
            raise AssertionError(f"SSH {first.named}: network: {_network_hint(error.reason)}") from None
        started = time.monotonic()
        client = self._connect(ssh, first, first.address)
        session = _Session(client, first, first.address, time.monotonic() - started, ssh["timeout_s"])
        opened = self._remember(aliases[0], session)
        for hop, name in zip(hops[1:], aliases[1:], strict=True):
            session = self._connect_through(ssh, session, hop)
            opened = self._remember(name, session)
        return opened

    @keyword
    def connect_to_target_through_jump_host(
        self, alias: str = TARGET, environment: str | None = None, jump: str = JUMP
    ) -> OpenedConnection:
        """Reaches the target host through a ``direct-tcpip`` channel of the jump host connection ``jump``.

        ``alias`` and ``environment`` as for `Connect To Jump Host`.

        Connects to the jump host first (as ``jump``; every bastion of a ``jump_hosts`` chain) if that
        connection is not open, and reaches the target through the last one. Never opens a direct connection to
        the target. A target the jump host cannot reach is reported as such, not as a jump host failure; a jump
        host that refuses to forward (RFC 4254 reason 1, administratively prohibited) is reported as its
        forwarding policy, never as the target being down. Returns the connection; its ``seconds`` include
        opening the tunnel.

        Example:
        | Connect To Target Through Jump Host |
        | ${target}= | Connect To Target Through Jump Host | alias=prod-target | jump=prod-jump |
        """
        ssh = self._ssh_section(environment)
        target = HostSettings.from_section(
            "target host", self._host_section(ssh, "target_host", environment), "target_host"
        )
        _check_credentials(target)
        if not self._connections.is_open(jump):
            self.connect_to_jump_host(jump, environment)
        session = self._connect_through(ssh, self._connections.get(jump), target, destination_role="target")
        return self._remember(alias, session)

    @keyword("Switch SSH Connection")
    def switch_ssh_connection(self, alias: str) -> None:
        """Makes the connection opened as ``alias`` the current one; ``RuntimeError`` if there is none.

        Example:
        | Switch SSH Connection | jump |
        | Command Should Succeed | hostname |
        """
        self._connections.switch(alias)

    @keyword
    def execute_command(self, command: str, alias: str | None = None, timeout: float | None = None) -> CommandResult:
        """Runs ``command`` and returns its ``stdout``, ``stderr`` and ``exit_status`` without judging them.

        ``alias`` names the connection (default: the current one); ``timeout`` defaults to ``timeout_s``.

        Output is logged, and returned, as text people read: terminal colour and control sequences
        (``\x1b[36mVersion:\x1b[0m``) and other control characters are removed, a line redrawn with ``\r``
        keeps what it showed last. What the command printed exactly is in ``${result.raw_stdout}`` and
        ``${result.raw_stderr}`` (never logged).

        Example:
        | ${result}= | Execute Command | uptime | alias=jump |
        | Should Be Equal As Integers | ${result.exit_status} | 0 |
        """
        session = self._session(alias)
        timeout = timeout if timeout is not None else session.timeout_s
        try:
            result = _run(session.client, command, timeout)
        except TimeoutError:
            raise AssertionError(f"SSH command '{command}' on {session.label} timed out after {timeout:g} s") from None
        except (paramiko.SSHException, OSError) as error:
            raise AssertionError(f"SSH command '{command}' on {session.label}: connection lost: {error}") from None
        result = CommandResult(
            command,
            readable_text(result.stdout),
            readable_text(result.stderr),
            result.exit_status,
            result.stdout,
            result.stderr,
        )
        logger.info(
            f"SSH {session.login}$ {command}\nexit status {result.exit_status}\n"
            f"stdout: {result.stdout.rstrip()}\nstderr: {result.stderr.rstrip()}"
        )
        return result

    @keyword
    def command_should_succeed(
        self, command: str, alias: str | None = None, timeout: float | None = None, allow_empty: bool = False
    ) -> str:
        """Runs ``command``; fails unless it exits 0, writes nothing to stderr and prints output. Returns stdout.

        Exit status 127 is reported as the tool not being installed on the host.

        Example:
        | ${name}= | Command Should Succeed | hostname |
        | Command Should Succeed | k9s version | alias=target |
        """
        session = self._session(alias)
        result = self.execute_command(command, alias, timeout)
        if result.exit_status == COMMAND_NOT_FOUND:
            tool = command.split()[0]
            raise AssertionError(
                f"SSH: {tool} is not installed on {session.login} ({session.label}): "
                f"'{command}' exited with status {COMMAND_NOT_FOUND}: {result.stderr.strip()}"
            )
        if result.exit_status != 0:
            raise AssertionError(
                f"SSH command '{command}' failed on {session.label} with exit status {result.exit_status}; "
                f"stderr: {result.stderr.strip() or '(empty)'}"
            )
        if result.stderr.strip():
            raise AssertionError(f"SSH command '{command}' on {session.label} wrote to stderr: {result.stderr.strip()}")
        if not allow_empty and not result.stdout.strip():
            raise AssertionError(f"SSH command '{command}' on {session.label} printed nothing")
        return result.stdout.strip()

    @keyword
    def command_output_should_contain(self, command: str, expected: str, alias: str | None = None) -> str:
        """Runs ``command`` successfully (see `Command Should Succeed`) and checks its output holds ``expected``.

        Example:
        | Command Output Should Contain | k9s version | Version: |
        """
        output = self.command_should_succeed(command, alias)
        if expected not in output:
            label = self._session(alias).label
            raise AssertionError(
                f"SSH command '{command}' on {label}: output does not contain '{expected}'; it was: {output[:500]}"
            )
        return output

    @keyword
    def remote_user_should_match_configuration(self, alias: str | None = None) -> str:
        """Runs ``whoami`` and checks it prints the configured ``username`` of that host. Returns the user.

        Authentication as the right user can still land in another account (a server that maps logins, a
        ``ForceCommand`` or ``su`` wrapper): the failure names the host, what ``whoami`` printed and the setting,
        e.g. ``SSH jump host root@10.10.100.3:22: wrong user: whoami printed 'nobody', expected 'root'
        (ssh.jump_host.username)``.

        Example:
        | Remote User Should Match Configuration | alias=jump |
        """
        session = self._session(alias)
        expected = session.settings.username
        user = self.command_should_succeed("whoami", alias)
        if user != expected:
            setting = f"ssh.{session.settings.key or session.settings.role.replace(' ', '_')}.username"
            raise AssertionError(
                f"SSH {session.settings.role} {session.label}: wrong user: whoami printed '{user}', "
                f"expected '{expected}' ({setting})"
            )
        return user

    @keyword
    def connection_latency_should_be_below(self, max_seconds: float | None = None) -> float:
        """Checks connect + authentication time of every open connection; returns the slowest, in seconds.

        ``max_seconds`` defaults to ``max_connect_latency_s`` (2 s). The target's time includes opening the
        tunnel through the jump host.

        Example:
        | Connection Latency Should Be Below | 2 |
        """
        limit = max_seconds if max_seconds is not None else self._ssh_section()["max_connect_latency_s"]
        sessions = list(self._connections)
        if not sessions:
            self._connections.get()  # raises the library's "no open connection" error
        for session in sessions:
            logger.info(f"SSH connect + authentication to {session.label}: {session.latency_s * 1000:.0f} ms")
        log_measurement(
            "ssh.connect_seconds", {session.settings.role.split()[0]: session.latency_s for session in sessions}
        )
        for session in sessions:
            if session.latency_s >= limit:
                raise AssertionError(
                    f"SSH connection to {session.label} took {session.latency_s:.2f} s "
                    f"(connect + authentication), not below the {limit:g} s limit"
                )
        return max(session.latency_s for session in sessions)

    @keyword
    def read_remote_file(
        self,
        path: str,
        last_lines: int | None = None,
        max_bytes: int = MAX_FILE_BYTES,
        alias: str | None = None,
    ) -> str:
        """Reads the text of file ``path`` on the host through SFTP, read-only; returns it.

        ``path`` is absolute, or relative to the login's home. A file above ``max_bytes`` (1 MiB) fails, unless
        ``last_lines`` asks for its last lines only: then only its last ``max_bytes`` are read. Terminal control
        sequences are removed (see `Execute Command`). Bounded by ``timeout_s``; the file's size is logged, its
        text only at DEBUG level (it may hold customer data).

        A file that is not there, not readable by the login, or a host without SFTP fails naming the host, the
        path and the cause.

        Example:
        | ${text}= | Read Remote File | /etc/os-release | alias=target |
        | ${tail}= | Read Remote File | logs/focus-server.log | last_lines=100 |
        """
        session = self._session(alias)
        if max_bytes < 1 or (last_lines is not None and last_lines < 1):
            raise ValueError(f"{LAYER}: max_bytes and last_lines must be positive, got {max_bytes}, {last_lines}")
        data, size, cut = _read_over_sftp(session, path, max_bytes, tail=last_lines is not None)
        text = readable_text(data.decode("utf-8", errors="replace"))
        if cut:
            text = text.split("\n", 1)[1] if "\n" in text else ""  # the first line read is only the end of one
        if last_lines is not None:
            text = _last_lines(text, last_lines)
        shown = f"its last {last_lines} lines" if last_lines is not None else "all of it"
        logger.info(f"SSH {session.login}: read {path} ({size} bytes; {shown}: {len(text)} characters) over SFTP")
        logger.debug(text)
        return text

    @keyword
    def remote_file_should_contain(
        self,
        path: str,
        expected: str,
        last_lines: int | None = None,
        max_bytes: int = MAX_FILE_BYTES,
        alias: str | None = None,
    ) -> str:
        """Reads file ``path`` as `Read Remote File` does and checks its text (or its ``last_lines``) holds
        ``expected``; returns the text read.

        The failure names the host, the file and what was searched; the file's last lines are the evidence.

        Example:
        | Remote File Should Contain | logs/focus-server.log | Focus Server started | last_lines=100 |
        | Remote File Should Contain | /etc/os-release | Debian | alias=target |
        """
        text = self.read_remote_file(path, last_lines, max_bytes, alias)
        if expected not in text:
            session = self._session(alias)
            where = f"its last {last_lines} lines" if last_lines is not None else "it"
            log_evidence(
                f"SSH {session.settings.named} file {path}",
                [f"last {EVIDENCE_LINES} lines of {path}:", *_last_lines(text, EVIDENCE_LINES).splitlines()],
            )
            raise _host_failure(session, f"file {path} does not contain '{expected}' (searched {where})")
        return text

    @keyword
    def disk_usage_should_be_below(self, path: str = "/", max_percent: float = 90, alias: str | None = None) -> int:
        """Checks the file system holding ``path`` is less than ``max_percent`` used (``df -P``); returns the
        percentage used.

        Read from the host's own ``df -P``, which POSIX systems print alike; bounded by ``timeout_s``. The failure
        names the host, the file system, its mount point and its sizes; the evidence holds ``df -P`` and
        ``df -Pi`` of the path.

        Example:
        | Disk Usage Should Be Below | / | 90 | alias=target |
        | ${used}= | Disk Usage Should Be Below | /var/lib/focus-server | 80 |
        """
        return self._usage_should_be_below(path, max_percent, alias, inodes=False)

    @keyword
    def inode_usage_should_be_below(self, path: str = "/", max_percent: float = 90, alias: str | None = None) -> int:
        """Checks the file system holding ``path`` has less than ``max_percent`` of its inodes used (``df -Pi``);
        returns the percentage used. A file system that does not count inodes (``-``) fails as such.

        Example:
        | Inode Usage Should Be Below | /var/log | 90 | alias=target |
        """
        return self._usage_should_be_below(path, max_percent, alias, inodes=True)

    @keyword
    def process_should_be_running(self, name: str, full: bool = False, alias: str | None = None) -> list[int]:
        """Checks a process named ``name`` runs on the host (``pgrep -x``); returns the process IDs.

        ``full=True`` matches ``name`` as a pattern anywhere in the command line instead (``pgrep -f``). The
        failure names the host and the process; the evidence lists the host's processes.

        Example:
        | Process Should Be Running | sshd | alias=target |
        | ${pids}= | Process Should Be Running | focus_server.main | full=True |
        """
        session = self._session(alias)
        _refuse_option_like(name, "process name")
        option = "-f" if full else "-x"
        result = self._tool(session, f"exec pgrep {option} -- {shlex.quote(name)}", f"process '{name}'", ok=(0, 1))
        if result.exit_status == 1:
            listed = self.execute_command("exec ps -eo pid,user,comm", session_alias(self, session))
            log_evidence(f"SSH {session.settings.named} processes", listed.stdout.splitlines()[: EVIDENCE_LINES * 2])
            how = "whose command line matches" if full else "named"
            raise _host_failure(session, f"no process {how} '{name}' is running (pgrep {option})")
        return [int(pid) for pid in result.stdout.split() if pid.isdigit()]

    @keyword
    def systemd_unit_should_be_active(self, unit: str, alias: str | None = None) -> str:
        """Checks systemd unit ``unit`` is active on the host (``systemctl is-active``); returns its state.

        The failure names the host, the unit and the state systemd reports (``inactive``, ``failed``,
        ``activating``, ...); the evidence is the first lines of ``systemctl status``.

        Example:
        | Systemd Unit Should Be Active | focus-server.service | alias=target |
        """
        session = self._session(alias)
        _refuse_option_like(unit, "unit")
        quoted = shlex.quote(unit)
        result = self._tool(session, f"exec systemctl is-active {quoted}", f"unit '{unit}'", ok=range(0, 5))
        state = result.stdout.strip() or result.stderr.strip() or f"(exit status {result.exit_status})"
        if result.exit_status != 0 or state != "active":
            status = self.execute_command(
                f"exec systemctl status --no-pager --lines={EVIDENCE_LINES} {quoted}", session_alias(self, session)
            )
            log_evidence(
                f"SSH {session.settings.named} systemd unit {unit}",
                (status.stdout + status.stderr).splitlines()[: EVIDENCE_LINES * 2],
            )
            raise _host_failure(session, f"systemd unit '{unit}' is {state}, not active (systemctl is-active)")
        return state

    @keyword
    def port_should_be_listening(self, port: int, address: str | None = None, alias: str | None = None) -> str:
        """Checks a TCP socket listens on ``port`` of the host (at ``address``, if given: a socket on every
        address counts); returns the socket, e.g. ``0.0.0.0:22``.

        Read from the kernel's tables (``/proc/net/tcp`` and ``/proc/net/tcp6``, Linux), so no ``ss`` or
        ``netstat`` is needed on the host. The failure names the host and the port; the evidence lists every
        listening socket.

        Example:
        | Port Should Be Listening | 5000 | alias=target |
        | Port Should Be Listening | 27017 | address=127.0.0.1 |
        """
        session = self._session(alias)
        if not 1 <= port <= 65535:
            raise ValueError(f"{LAYER}: port must be 1 to 65535, got {port}")
        result = self.execute_command("cat /proc/net/tcp /proc/net/tcp6 2>/dev/null", session_alias(self, session))
        sockets = parse_proc_net_tcp(result.stdout)
        if not sockets:
            raise _host_failure(
                session, f"cannot tell whether TCP port {port} listens: /proc/net/tcp is not readable (not Linux?)"
            )
        try:
            found = [socket_ for socket_ in sockets if socket_.port == port and socket_.serves(address)]
        except ValueError:
            raise ValueError(f"{LAYER}: address must be an IP address, got {address!r}") from None
        if not found:
            log_evidence(f"SSH {session.settings.named} listening TCP sockets", [str(found) for found in sockets])
            at = f" at {address}" if address else ""
            ports = ", ".join(sorted({str(socket_.port) for socket_ in sockets}, key=int)[:20])
            raise _host_failure(session, f"nothing listens on TCP port {port}{at}; listening ports: {ports}")
        return str(found[0])

    def _usage_should_be_below(self, path: str, max_percent: float, alias: str | None, inodes: bool) -> int:
        session = self._session(alias)
        what = "inodes" if inodes else "space"
        option = "-Pi" if inodes else "-P"
        usage, output = self._df(session, path, option)
        if usage.percent is None:
            raise _host_failure(session, f"file system {usage.file_system} ({path}) does not count its {what}")
        if usage.percent >= max_percent:
            _, other = self._df(session, path, "-P" if inodes else "-Pi", strict=False)
            log_evidence(f"SSH {session.settings.named} file system of {path}", [*output.splitlines(), *other])
            raise _host_failure(
                session,
                f"file system {usage.file_system} mounted on {usage.mounted_on} (holding {path}) has "
                f"{usage.percent} % of its {what} used, not below the {max_percent:g} % limit "
                f"({_sizes(usage, inodes)})",
            )
        return usage.percent

    def _df(self, session: _Session, path: str, option: str, strict: bool = True) -> tuple[Any, Any]:
        command = f"LC_ALL=C exec df {option} -- {shlex.quote(path)}"
        if not strict:
            result = self.execute_command(command, session_alias(self, session))
            return None, [f"df {option} {path}:", *(result.stdout + result.stderr).splitlines()]
        result = self._tool(session, command, f"the file system of {path}")
        try:
            return parse_df(result.stdout), result.stdout
        except UnreadableOutput as error:
            raise _host_failure(session, f"cannot read df {option} {path}: {error}") from None

    def _tool(self, session: _Session, command: str, subject: str, ok=(0,)) -> CommandResult:
        """Runs one of the host's own tools; a missing tool or an unexpected exit status fails naming ``subject``."""
        result = self.execute_command(command, session_alias(self, session))
        tool = command.replace("LC_ALL=C ", "").split()[1]
        if result.exit_status == COMMAND_NOT_FOUND:
            raise _host_failure(session, f"cannot check {subject}: {tool} is not installed on the host")
        if result.exit_status not in ok:
            said = result.stderr.strip().splitlines()[:1] or ["(nothing on stderr)"]
            raise _host_failure(
                session, f"cannot check {subject}: {tool} exited with status {result.exit_status}: {said[0]}"
            )
        return result

    @keyword("Close All SSH Connections")
    def close_all_ssh_connections(self) -> None:
        """Closes every connection, targets before the jump hosts they run through; safe when nothing is open.

        Example:
        | [Teardown] | Close All SSH Connections |
        """
        self._connections.close_all()

    def _close(self) -> None:
        """Listener hook: the library's scope ended, so no connection may outlive the suite."""
        self.close_all_ssh_connections()

    def _close_tunnels_through(self, jump: _Session) -> None:
        """Closes every connection carried by ``jump``, directly or through other hops, newest first."""
        for session in reversed(list(self._connections)):
            hop = session.jump
            while hop is not None and hop is not jump:
                hop = hop.jump
            if hop is jump:
                session.close()

    def _jump_hosts(self, ssh: dict[str, Any], environment: str | None) -> list[HostSettings]:
        """The chain of jump hosts, first to last: ``jump_hosts``, else the one ``jump_host``."""
        chain = ssh.get("jump_hosts")
        if not chain:
            section = self._host_section(ssh, "jump_host", environment)
            return [HostSettings.from_section("jump host", section, "jump_host")]
        return [
            HostSettings.from_section(ordinal_role(index, len(chain)), section, f"jump_hosts.{index}")
            for index, section in enumerate(chain)
        ]

    def _connect_through(
        self, ssh: dict[str, Any], hop: _Session, settings: HostSettings, destination_role: str | None = None
    ) -> _Session:
        """The session of ``settings`` through a ``direct-tcpip`` channel of ``hop``; on failure, the evidence of
        what ``hop`` (the last working hop) sees of the destination's port."""
        label = f"{settings.address} via {hop.settings.role} {hop.settings.address}"
        started = time.monotonic()
        try:
            channel = self._open_tunnel(hop, settings, ssh["timeout_s"], destination_role or settings.role)
        except AssertionError:
            self._log_hop_evidence(hop, settings, ssh)
            raise
        try:
            client = self._connect(ssh, settings, label, sock=channel)
        except AssertionError as failure:
            channel.close()
            self._log_hop_evidence(hop, settings, ssh, host_key="host key" in str(failure))
            raise
        return _Session(client, settings, label, time.monotonic() - started, ssh["timeout_s"], jump=hop)

    @property
    def environment(self) -> str:
        return self._environment or selected_environment_name()

    def _ssh_section(self, environment: str | None = None) -> dict[str, Any]:
        name = environment or self.environment
        ssh = settings_of("ssh", name)
        if not ssh["enabled"]:
            raise SkipExecution(f"SSH access is disabled in environment '{name}' (ssh.enabled: false)")
        return ssh

    def _host_section(self, ssh: dict[str, Any], key: str, environment: str | None = None) -> dict[str, Any]:
        section = ssh.get(key)
        if not section:
            raise SettingsUnusable(LAYER, f"environment '{environment or self.environment}' has no ssh.{key}")
        return section

    def _session(self, alias: str | None) -> _Session:
        return self._connections.get(alias)

    def _remember(self, alias: str, session: _Session) -> OpenedConnection:
        index = self._connections.register(session, alias)
        methods = ", ".join(session.settings.auth_methods)
        logger.info(
            f"SSH: connected to {session.label} as '{alias}' in {session.latency_s * 1000:.0f} ms (auth: {methods})"
        )
        return OpenedConnection(index, alias, session.label, session.latency_s)

    @staticmethod
    def _log_hop_evidence(jump: _Session, target: HostSettings, ssh: dict[str, Any], host_key=False) -> None:
        """What the last working hop sees of the next host's port and, for a host key problem, the known_hosts
        lines to review (never a suggestion to stop checking). Read-only, bounded by the SSH timeout."""
        hop = "the jump host" if jump.settings.role == "jump host" else f"the {jump.settings.named}"
        lines = [
            tcp_check_from_jump_host(
                jump.client.get_transport(),
                target.host,
                target.port,
                min(ssh["timeout_s"], EVIDENCE_TIMEOUT_S),
                hop,
            )
        ]
        if host_key:
            lines += known_hosts_lines(ssh.get("known_hosts") or "~/.ssh/known_hosts", target.known_hosts_name)
        log_evidence(f"SSH {target.role} {target.address} via {jump.settings.named}", lines)

    def _open_tunnel(self, jump: _Session, target: HostSettings, timeout: float, role: str) -> paramiko.Channel:
        try:
            return open_forwarded_channel(jump.client.get_transport(), target.host, target.port, timeout)
        except ForwardRefused as refused:
            hop = f"{jump.settings.role} {jump.label}"
            raise AssertionError(refusal_cause(refused.refusal, hop, f"{target.host}:{target.port}", role)) from None

    def _connect(
        self, ssh: dict[str, Any], settings: HostSettings, label: str, sock: paramiko.Channel | None = None
    ) -> paramiko.SSHClient:
        prefix = f"SSH {settings.role} {label}"
        client = paramiko.SSHClient()
        known_hosts = _load_known_hosts(client, ssh.get("known_hosts"), prefix)
        client.set_missing_host_key_policy(_VerifyHostKey(ssh["accept_unknown_host_keys"], known_hosts))
        timeout = ssh["timeout_s"]
        transport_errors = _TransportErrors()
        paramiko_log = logging.getLogger("paramiko.transport")
        paramiko_log.addHandler(transport_errors)
        try:
            client.connect(
                settings.host,
                settings.port,
                settings.username,
                password=settings.password,
                key_filename=settings.key_file,
                passphrase=settings.key_passphrase,
                timeout=timeout,
                # Shorter than the handshake's own wait (timeout): a port that never sends a banner then fails
                # with the banner error itself, not with a later "No existing session".
                banner_timeout=timeout * 0.8,
                auth_timeout=timeout,
                channel_timeout=timeout,
                look_for_keys=False,
                allow_agent=settings.use_agent,
                sock=sock,
            )
        except (paramiko.SSHException, OSError) as error:
            client.close()
            # paramiko's transport thread logs a missing banner, then connect() raises "No existing session".
            banner = transport_errors.saw("protocol banner")
            cause = paramiko.SSHException("Error reading SSH protocol banner") if banner else error
            if banner and sock is None:  # a tunnelled target is not an endpoint of its own
                record_not_answering(f"{settings.host}:{settings.port}", f"no SSH banner within {timeout:g} s")
            raise AssertionError(f"{prefix}: {_connect_failure(cause, settings, known_hosts, timeout)}") from None
        finally:
            paramiko_log.removeHandler(transport_errors)
        return client


def session_alias(library: JumpHostSSHLibrary, session: _Session) -> str:
    """The alias ``session`` is kept under, so a keyword's follow-up command runs on the same connection."""
    for alias in library._connections.aliases():
        if library._connections.get(alias) is session:
            return alias
    raise RuntimeError(f"{LAYER}: connection {session.label} is not open")


def _host_failure(session: _Session, cause: str) -> AssertionError:
    """``SSH target host prisma@10.0.0.5:22 via jump host ...: <cause>``: the first line of a host check's failure."""
    return AssertionError(f"SSH {session.settings.role} {session.label}: {cause}")


def _refuse_option_like(value: str, what: str) -> None:
    if not value.strip() or value.startswith("-") or "\n" in value:
        raise ValueError(f"{LAYER}: {what} must be a name on one line, not empty or starting with '-': {value!r}")


def _last_lines(text: str, count: int) -> str:
    return last_lines(text, count)


def _sizes(usage: Usage, inodes: bool) -> str:
    if inodes:
        return f"{usage.used} of {usage.total} inodes; {usage.available} free"
    return f"{human_kib(usage.used)} of {human_kib(usage.total)}; {human_kib(usage.available)} available"


def _read_over_sftp(session: _Session, path: str, max_bytes: int, tail: bool) -> tuple[bytes, int, bool]:
    """``(bytes read, the file's size, whether the start was left out)`` of ``path``, opened read-only over SFTP.

    Bounded by the session's timeout as a whole: a watchdog closes the channel, which ends any wait."""
    timeout = session.timeout_s
    try:
        channel = session.client.get_transport().open_session(timeout=timeout)
    except (paramiko.SSHException, OSError) as error:
        raise _host_failure(session, f"cannot open an SFTP session: {error}") from None
    timed_out = _close_after(channel, timeout)
    try:
        channel.settimeout(timeout)
        try:
            channel.invoke_subsystem("sftp")
            sftp = paramiko.SFTPClient(channel)
        except (paramiko.SSHException, EOFError) as error:
            if timed_out.is_set():
                raise TimeoutError from None
            raise _host_failure(
                session, f"cannot read {path}: the host offers no SFTP (sshd_config Subsystem sftp): {error}"
            ) from None
        with sftp.open(path, "r") as remote:
            size = remote.stat().st_size or 0
            if size > max_bytes and not tail:
                raise _host_failure(
                    session,
                    f"file {path} is {size} bytes, above the {max_bytes} bytes read at most (max_bytes); "
                    "read its end with last_lines",
                )
            start = max(0, size - max_bytes) if tail else 0
            remote.seek(start)
            data = remote.read(max_bytes + 1)  # files of /proc report size 0: reading tells
            while tail and len(data) > max_bytes and start < MAX_TAIL_SCAN_BYTES:  # a size-0 file: read to its end
                more = remote.read(max_bytes)
                if not more:
                    break
                start += len(data) - max_bytes
                data = data[-max_bytes:] + more
        if len(data) > max_bytes:
            if not tail:
                raise _host_failure(
                    session, f"file {path} holds more than {max_bytes} bytes (max_bytes); read its end with last_lines"
                )
            data, start = data[-max_bytes:], start + len(data) - max_bytes
        return data, max(size, len(data)), start > 0
    except TimeoutError:
        raise _host_failure(session, f"reading {path} over SFTP timed out after {timeout:g} s") from None
    except FileNotFoundError:
        raise _host_failure(session, f"file {path} does not exist") from None
    except PermissionError:
        raise _host_failure(session, f"file {path} is not readable by {session.settings.username}") from None
    except OSError as error:
        if timed_out.is_set():
            raise _host_failure(session, f"reading {path} over SFTP timed out after {timeout:g} s") from None
        reason = errno.errorcode.get(error.errno or 0, "") if error.errno else ""
        raise _host_failure(session, f"cannot read {path}: {error.strerror or error} {reason}".rstrip()) from None
    except (paramiko.SSHException, EOFError) as error:
        if timed_out.is_set():
            raise _host_failure(session, f"reading {path} over SFTP timed out after {timeout:g} s") from None
        raise _host_failure(session, f"cannot read {path} over SFTP: {error}") from None
    finally:
        timed_out.watchdog.cancel()
        channel.close()


def _check_credentials(settings: HostSettings) -> None:
    """Settings that cannot work are "not checked", before any connection or tunnel is opened."""
    where = f"{settings.role} {settings.address}"
    if not settings.auth_methods:
        raise SettingsUnusable(LAYER, f"{where}: no authentication configured (password, key_file or use_agent)")
    if settings.key_file and not Path(settings.key_file).is_file():
        raise SettingsUnusable(LAYER, f"{where}: key_file {settings.key_file} does not exist")


def _load_known_hosts(client: paramiko.SSHClient, configured: str | None, prefix: str) -> str:
    """Load the configured known_hosts (or the user's); returns its path for messages."""
    if not configured:
        client.load_system_host_keys()
        return "~/.ssh/known_hosts"
    path = Path(configured).expanduser()
    if not path.is_file():
        raise SettingsUnusable(LAYER, f"{prefix}: known_hosts file {path} does not exist")
    client.get_host_keys().load(str(path))
    return str(path)


def _connect_failure(error: Exception, settings: HostSettings, known_hosts: str, timeout_s: float) -> str:
    """One line naming the cause of a failed connect: host key, authentication, network or handshake."""
    tried = ", ".join(settings.auth_methods)
    if isinstance(error, paramiko.SSHException) and "protocol banner" in str(error):
        return (
            f"network: no SSH banner within {timeout_s:g} s: the port accepts TCP but no SSH server answers "
            "(another service on the port, or a hung sshd)"
        )
    if isinstance(error, paramiko.BadHostKeyException):
        return (
            f"host key for {settings.known_hosts_name} does not match known_hosts ({known_hosts}): expected "
            f"{error.expected_key.get_name()} {error.expected_key.fingerprint}, server presented "
            f"{error.key.get_name()} {error.key.fingerprint}; the host was reinstalled or the connection is "
            f"intercepted, verify before updating known_hosts"
        )
    if isinstance(error, UnknownHostKeyError):
        return str(error)
    if isinstance(error, paramiko.PasswordRequiredException):
        return f"key_file {settings.key_file} is encrypted and no key_passphrase is configured"
    if isinstance(error, paramiko.BadAuthenticationType):
        return (
            f"authentication failed for user '{settings.username}' (tried: {tried}); "
            f"the server accepts only: {', '.join(error.allowed_types)}"
        )
    if isinstance(error, paramiko.AuthenticationException):
        return f"authentication failed for user '{settings.username}' (tried: {tried}): {error}"
    if isinstance(error, paramiko.ssh_exception.NoValidConnectionsError):
        reasons = {_network_hint(cause.strerror or str(cause)) for cause in error.errors.values()}
        return f"network: {'; '.join(sorted(reasons))}"
    if isinstance(error, (socket.timeout, TimeoutError)):
        return f"network: {_network_hint('timed out')}"
    if isinstance(error, OSError):
        return f"network: {_network_hint(error.strerror or str(error))}"
    return f"SSH handshake failed: {error}"


def _network_hint(reason: str) -> str:
    """A network reason with what it usually means for an SSH port."""
    lowered = reason.lower()
    if "refused" in lowered:
        return f"{reason} (no SSH service on the port, or the port is blocked with a reject rule)"
    if "timed out" in lowered:
        return f"{reason} (host down, or the port filtered by a firewall)"
    if "unreachable" in lowered or "no route" in lowered:
        return f"{reason} (no network path to the host)"
    return reason


class _Expiry(threading.Event):
    """Set once ``watchdog`` has closed the channel at its timeout."""

    watchdog: threading.Timer


def _close_after(channel: paramiko.Channel, timeout: float) -> _Expiry:
    """Starts a watchdog that closes ``channel`` after ``timeout``; the returned event says it did. Closing ends
    every wait on the channel, even those paramiko gives no timeout (exec_command's wait for the server's answer).
    A transport that died meanwhile cannot send the close: the call has failed either way."""
    expired = _Expiry()

    def expire() -> None:
        expired.set()
        with contextlib.suppress(EOFError, OSError, paramiko.SSHException):
            channel.close()

    expired.watchdog = threading.Timer(timeout, expire)
    expired.watchdog.start()
    return expired


def _run(client: paramiko.SSHClient, command: str, timeout: float) -> CommandResult:
    """Run one command, reading stdout and stderr together so neither fills up; ``TimeoutError`` after ``timeout``."""
    channel = client.get_transport().open_session(timeout=timeout)
    timed_out = _close_after(channel, timeout)
    stdout, stderr = bytearray(), bytearray()
    try:
        channel.exec_command(command)
        while not timed_out.is_set():
            finished = channel.exit_status_ready()  # read before draining: output precedes the exit status
            while channel.recv_ready():
                stdout += channel.recv(65536)
            while channel.recv_stderr_ready():
                stderr += channel.recv_stderr(65536)
            if finished:
                break
            channel.status_event.wait(0.01)
        status = channel.recv_exit_status()
    except paramiko.SSHException:
        if not timed_out.is_set():
            raise
    finally:
        timed_out.watchdog.cancel()
        channel.close()
    if timed_out.is_set():
        raise TimeoutError(command)
    return CommandResult(command, stdout.decode(errors="replace"), stderr.decode(errors="replace"), status)
