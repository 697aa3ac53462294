"""SSH access to production hosts through a jump host (PZ-13900), as a Robot Framework keyword library.

The target host is reached only through a ``direct-tcpip`` channel of the jump host's connection, never by a
second direct connection. Host keys are verified against ``known_hosts``. Every failure names the layer (SSH),
the host (``user@host:port``, and ``via jump host ...`` for the target) and the cause: network,
authentication, host key, command or a missing tool.
"""

from __future__ import annotations

import contextlib
import logging
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
from keywords.config.environment_choice import selected_environment_name, settings_of
from keywords.config.environments import reveal
from keywords.ssh.channels import ForwardRefused, open_forwarded_channel
from keywords.ssh.evidence import known_hosts_lines, tcp_check_from_jump_host

#: Exit status of POSIX shells for "command not found".
COMMAND_NOT_FOUND = 127
LAYER = "SSH"
JUMP, TARGET = "jump", "target"
#: The TCP check of the evidence waits at most this long (or the SSH timeout, if shorter) for the target's banner.
EVIDENCE_TIMEOUT_S = 3.0


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

    @classmethod
    def from_section(cls, role: str, section: dict[str, Any]) -> HostSettings:
        return cls(
            role=role,
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
    """What a remote command gave back; in Robot use ``${result.stdout}``, ``${result.exit_status}``."""

    command: str
    stdout: str
    stderr: str
    exit_status: int


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
        library's, else ``${ENV}``), whose ``ssh`` section names the jump host.

        The TCP port is probed first, so a refused or unreachable port fails at once with a network cause.
        A connection already open under ``alias`` is closed first, with every target tunnelled through it.

        Example:
        | ${jump}= | Connect To Jump Host |
        | Log | ${jump.seconds} |
        """
        ssh = self._ssh_section(environment)
        jump = HostSettings.from_section("jump host", self._host_section(ssh, "jump_host", environment))
        _check_credentials(jump)
        if self._connections.is_open(alias):
            self._close_tunnels_through(self._connections.get(alias))
        fail_if_found_not_answering(f"{jump.host}:{jump.port}", f"SSH jump host {jump.address}: network")
        try:
            probe_tcp(jump.host, jump.port, ssh["timeout_s"])
        except TcpProbeError as error:
            raise AssertionError(f"SSH jump host {jump.address}: network: {_network_hint(error.reason)}") from None
        started = time.monotonic()
        client = self._connect(ssh, jump, jump.address)
        latency = time.monotonic() - started
        return self._remember(alias, _Session(client, jump, jump.address, latency, ssh["timeout_s"]))

    @keyword
    def connect_to_target_through_jump_host(
        self, alias: str = TARGET, environment: str | None = None, jump: str = JUMP
    ) -> OpenedConnection:
        """Reaches the target host through a ``direct-tcpip`` channel of the jump host connection ``jump``.

        ``alias`` and ``environment`` as for `Connect To Jump Host`.

        Connects to the jump host first (as ``jump``) if that connection is not open. Never opens a direct
        connection to the target. A target the jump host cannot reach is reported as such, not as a jump host
        failure. Returns the connection; its ``seconds`` include opening the tunnel.

        Example:
        | Connect To Target Through Jump Host |
        | ${target}= | Connect To Target Through Jump Host | alias=prod-target | jump=prod-jump |
        """
        ssh = self._ssh_section(environment)
        target = HostSettings.from_section("target host", self._host_section(ssh, "target_host", environment))
        _check_credentials(target)
        if not self._connections.is_open(jump):
            self.connect_to_jump_host(jump, environment)
        jump_session = self._connections.get(jump)
        label = f"{target.address} via jump host {jump_session.settings.address}"
        started = time.monotonic()
        try:
            channel = self._open_tunnel(jump_session, target, ssh["timeout_s"])
        except AssertionError:
            self._log_target_evidence(jump_session, target, ssh)
            raise
        try:
            client = self._connect(ssh, target, label, sock=channel)
        except AssertionError as failure:
            channel.close()
            self._log_target_evidence(jump_session, target, ssh, host_key="host key" in str(failure))
            raise
        latency = time.monotonic() - started
        session = _Session(client, target, label, latency, ssh["timeout_s"], jump=jump_session)
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
            setting = f"ssh.{session.settings.role.replace(' ', '_')}.username"
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
        for session in list(self._connections):
            if session.jump is jump:
                session.close()

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
    def _log_target_evidence(jump: _Session, target: HostSettings, ssh: dict[str, Any], host_key=False) -> None:
        """What the jump host sees of the target's port and, for a host key problem, the known_hosts lines to
        review (never a suggestion to stop checking). Read-only, bounded by the SSH timeout."""
        lines = [
            tcp_check_from_jump_host(
                jump.client.get_transport(), target.host, target.port, min(ssh["timeout_s"], EVIDENCE_TIMEOUT_S)
            )
        ]
        if host_key:
            lines += known_hosts_lines(ssh.get("known_hosts") or "~/.ssh/known_hosts", target.known_hosts_name)
        log_evidence(f"SSH target host {target.address} via jump host {jump.settings.address}", lines)

    def _open_tunnel(self, jump: _Session, target: HostSettings, timeout: float) -> paramiko.Channel:
        try:
            return open_forwarded_channel(jump.client.get_transport(), target.host, target.port, timeout)
        except ForwardRefused as refused:
            raise AssertionError(
                f"SSH: jump host {jump.settings.address} could not reach target {target.host}:{target.port}: "
                f"{refused.cause}; the jump host is up and authenticated, so the target host or its network is down"
            ) from None

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


def _run(client: paramiko.SSHClient, command: str, timeout: float) -> CommandResult:
    """Run one command, reading stdout and stderr together so neither fills up; ``TimeoutError`` after ``timeout``."""
    channel = client.get_transport().open_session(timeout=timeout)
    timed_out = threading.Event()

    def expire() -> None:
        timed_out.set()
        # Closing also ends exec_command's wait for the server's answer, which has no timeout of its own. A
        # transport that died meanwhile cannot send the close: the command has failed either way.
        with contextlib.suppress(EOFError, OSError, paramiko.SSHException):
            channel.close()

    watchdog = threading.Timer(timeout, expire)
    watchdog.start()
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
        watchdog.cancel()
        channel.close()
    if timed_out.is_set():
        raise TimeoutError(command)
    return CommandResult(command, stdout.decode(errors="replace"), stderr.decode(errors="replace"), status)
