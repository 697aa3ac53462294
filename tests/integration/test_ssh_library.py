"""JumpHostSSHLibrary against the asyncssh SSH lab: the healthy path of PZ-13900 and each failure it must name."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import paramiko
import pytest
import robot
import yaml
from robot.api import SkipExecution

from keywords.common.outcomes import SettingsUnusable
from keywords.ssh.library import JumpHostSSHLibrary
from lab.component import LabContext
from lab.ssh_hosts import SshHostsComponent
from lab.ssh_hosts.faults import LabSettings, lab_settings
from lab.ssh_hosts.identities import new_ed25519_key
from tests.helpers import REPO_ROOT, failure_of, hashed_known_hosts, ssh_agent_holding

StartLab = Callable[..., dict[str, str]]
#: Generous: 3x the 5 s default ssh.timeout_s the lab's sections use. Timing is measured in bench/, not here.
HANG_BOUND_S = 15.0


@pytest.fixture
def start_lab(tmp_path: Path) -> Iterator[StartLab]:
    """Start the SSH lab with the given faults (optionally with other fault settings); stopped after the test."""
    components: list[SshHostsComponent] = []

    def start(*faults: str, fault_settings: Callable | None = None) -> dict[str, str]:
        component = SshHostsComponent(fault_settings) if fault_settings else SshHostsComponent()
        components.append(component)
        return component.start(LabContext(tmp_path / "state", faults=frozenset(faults)))

    yield start
    for component in components:
        component.stop()


@pytest.fixture
def use_ssh_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[dict], None]:
    """Write an environments file whose ``lab`` environment has the given ssh section, and select it."""

    def use(ssh: dict) -> None:
        path = tmp_path / "environments.yaml"
        path.write_text(yaml.safe_dump({"lab": {"ssh": ssh}}), encoding="utf-8")
        monkeypatch.setenv("FOCUS_ENVIRONMENTS_FILE", str(path))

    return use


def ssh_section(lab: dict[str, str], **overrides: object) -> dict:
    section = {
        "known_hosts": lab["LAB_SSH_KNOWN_HOSTS"],
        "jump_host": {
            "host": lab["LAB_SSH_JUMP_HOST"],
            "port": int(lab["LAB_SSH_JUMP_PORT"]),
            "username": lab["LAB_SSH_JUMP_USER"],
            "password": lab["LAB_SSH_JUMP_PASSWORD"],
        },
        "target_host": {
            "host": lab["LAB_SSH_TARGET_HOST"],
            "port": int(lab["LAB_SSH_TARGET_PORT"]),
            "username": lab["LAB_SSH_TARGET_USER"],
            "password": lab["LAB_SSH_TARGET_PASSWORD"],
        },
    }
    return {**section, **overrides}


@pytest.fixture
def ssh() -> Iterator[JumpHostSSHLibrary]:
    library = JumpHostSSHLibrary("lab")
    yield library
    library.close_all_ssh_connections()


def test_healthy_lab_passes_every_pz13900_step_through_the_jump_host(start_lab, use_ssh_section, ssh):
    lab = start_lab()
    use_ssh_section(ssh_section(lab))

    ssh.skip_if_ssh_access_is_disabled()
    ssh.connect_to_jump_host()
    assert ssh.command_should_succeed("hostname") == "lab-jump"
    assert ssh.remote_user_should_match_configuration() == "root"
    assert "load average" in ssh.command_should_succeed("uptime")

    ssh.connect_to_target_through_jump_host()
    assert ssh.command_should_succeed("hostname") == "lab-target"
    assert ssh.remote_user_should_match_configuration(alias="target") == "prisma"
    ssh.command_output_should_contain("kubectl version --client", "Client Version")
    ssh.command_output_should_contain("k9s version", "Version:")
    # The keyword passes and returns the slowest connection; the 2 s default is a timing threshold (its failure is
    # tested with a 0 s limit below), and the real connect time is measured in bench/, not here.
    slowest = ssh.connection_latency_should_be_below(HANG_BOUND_S)
    assert slowest == max(session.latency_s for session in ssh._connections) > 0

    forwarded = Path(lab["LAB_SSH_FORWARDED_LOG"]).read_text()
    assert "-> target.lab:22 opened" in forwarded


def test_target_has_no_address_outside_the_jump_host_tunnel(start_lab):
    lab = start_lab()
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo(lab["LAB_SSH_TARGET_HOST"], int(lab["LAB_SSH_TARGET_PORT"]))


def test_commands_run_on_the_connection_named_by_its_alias(start_lab, use_ssh_section, ssh):
    use_ssh_section(ssh_section(start_lab()))
    target = ssh.connect_to_target_through_jump_host()
    assert (target.index, target.alias) == (2, "target")
    assert target.target.startswith("prisma@target.lab:22 via jump host root@127.0.0.1:")

    assert ssh.command_should_succeed("hostname", alias="jump") == "lab-jump"
    assert ssh.command_should_succeed("hostname") == "lab-target"
    ssh.switch_ssh_connection("JUMP")
    assert ssh.command_should_succeed("hostname") == "lab-jump"
    message = failure_of(lambda: ssh.execute_command("true", alias="db"), RuntimeError)
    assert (
        message == "SSH: no open connection 'db'; open: ['jump', 'target']; open one with `Connect To Jump Host` first"
    )


def test_wrong_password_is_reported_as_authentication_failure_of_the_jump_host(start_lab, use_ssh_section, ssh):
    lab = start_lab("ssh-wrong-password")
    use_ssh_section(ssh_section(lab))

    message = failure_of(ssh.connect_to_jump_host)

    assert message.startswith(f"SSH jump host root@127.0.0.1:{lab['LAB_SSH_JUMP_PORT']}: authentication failed")
    assert "user 'root'" in message and "tried: password" in message


def test_jump_host_down_is_reported_as_refused_by_the_tcp_probe_without_an_ssh_attempt(
    start_lab, use_ssh_section, ssh, monkeypatch
):
    lab = start_lab("ssh-jump-down")
    use_ssh_section(ssh_section(lab))
    ssh_attempts = []
    monkeypatch.setattr(JumpHostSSHLibrary, "_connect", lambda self, *args, **kwargs: ssh_attempts.append(args))

    started = time.monotonic()
    message = failure_of(ssh.connect_to_jump_host)

    assert time.monotonic() - started < HANG_BOUND_S  # a hang bound, not a measurement
    assert message.startswith(f"SSH jump host root@127.0.0.1:{lab['LAB_SSH_JUMP_PORT']}: network: connection refused")
    assert ssh_attempts == []  # the probe's refusal was the verdict: no SSH handshake was tried, or waited for


def test_target_down_is_reported_as_unreachable_from_the_working_jump_host(start_lab, use_ssh_section, ssh):
    lab = start_lab("ssh-target-down")
    use_ssh_section(ssh_section(lab))

    message = failure_of(ssh.connect_to_target_through_jump_host)

    jump = f"root@127.0.0.1:{lab['LAB_SSH_JUMP_PORT']}"
    assert message.startswith(f"SSH: jump host {jump} could not reach target target.lab:22: Connection refused")
    assert "the jump host is up and authenticated" in message
    assert ssh.command_should_succeed("hostname", alias="jump") == "lab-jump"
    assert "-> target.lab:22 refused" in Path(lab["LAB_SSH_FORWARDED_LOG"]).read_text()


def test_changed_target_host_key_names_the_host_and_both_fingerprints(start_lab, use_ssh_section, ssh):
    lab = start_lab("ssh-host-key-changed")
    use_ssh_section(ssh_section(lab))
    ssh.connect_to_jump_host()
    expected = paramiko.HostKeys(lab["LAB_SSH_KNOWN_HOSTS"]).lookup("target.lab")["ssh-ed25519"].fingerprint
    presented = presented_target_key_fingerprint(ssh)

    message = failure_of(ssh.connect_to_target_through_jump_host)

    assert message.startswith("SSH target host prisma@target.lab:22 via jump host root@127.0.0.1:")
    assert "host key for target.lab does not match known_hosts" in message
    assert f"expected ssh-ed25519 {expected}" in message and f"server presented ssh-ed25519 {presented}" in message
    assert expected != presented


def presented_target_key_fingerprint(ssh: JumpHostSSHLibrary) -> str:
    """The target's real host key, read through a second tunnel with a bare paramiko transport."""
    jump_transport = ssh._connections.get("jump").client.get_transport()
    channel = jump_transport.open_channel("direct-tcpip", ("target.lab", 22), ("127.0.0.1", 0))
    with paramiko.Transport(channel) as transport:
        transport.start_client(timeout=5)
        return transport.get_remote_server_key().fingerprint


def test_changed_jump_host_key_fails_before_authentication(start_lab, use_ssh_section, ssh):
    lab = start_lab(fault_settings=lambda component, faults: {"stale_host_key_for": ["jump"]})
    use_ssh_section(ssh_section(lab))

    message = failure_of(ssh.connect_to_jump_host)

    assert f"host key for [127.0.0.1]:{lab['LAB_SSH_JUMP_PORT']} does not match known_hosts" in message
    assert message.count("SHA256:") == 2


def test_unknown_host_key_fails_with_its_fingerprint_unless_accepted(start_lab, use_ssh_section, ssh, tmp_path):
    lab = start_lab()
    empty_known_hosts = tmp_path / "empty_known_hosts"
    empty_known_hosts.write_text("")
    use_ssh_section(ssh_section(lab, known_hosts=str(empty_known_hosts)))

    message = failure_of(ssh.connect_to_jump_host)
    assert f"unknown host key for [127.0.0.1]:{lab['LAB_SSH_JUMP_PORT']}: fingerprint SHA256:" in message

    use_ssh_section(ssh_section(lab, known_hosts=str(empty_known_hosts), accept_unknown_host_keys=True))
    ssh.connect_to_target_through_jump_host()
    assert ssh.command_should_succeed("hostname") == "lab-target"


def test_missing_k9s_is_reported_as_not_installed_on_the_target(start_lab, use_ssh_section, ssh):
    use_ssh_section(ssh_section(start_lab("target-no-k9s")))
    ssh.connect_to_target_through_jump_host()

    message = failure_of(lambda: ssh.command_should_succeed("k9s version"))

    assert message.startswith("SSH: k9s is not installed on prisma@target.lab (prisma@target.lab:22 via jump host")
    assert "exited with status 127" in message


def test_key_file_authentication_works_on_both_hosts(start_lab, use_ssh_section, ssh):
    lab = start_lab()
    section = ssh_section(lab)
    for host in ("jump_host", "target_host"):
        del section[host]["password"]
        section[host]["key_file"] = lab["LAB_SSH_CLIENT_KEY"]
    use_ssh_section(section)

    ssh.connect_to_target_through_jump_host()

    assert ssh.remote_user_should_match_configuration() == "prisma"


def test_passphrase_protected_key_needs_its_passphrase(start_lab, use_ssh_section, ssh):
    lab = start_lab()
    section = ssh_section(lab)
    section["jump_host"] = {**section["jump_host"], "key_file": lab["LAB_SSH_CLIENT_KEY_PROTECTED"]}
    del section["jump_host"]["password"]
    use_ssh_section(section)
    assert "is encrypted and no key_passphrase is configured" in failure_of(ssh.connect_to_jump_host)

    section["jump_host"]["key_passphrase"] = lab["LAB_SSH_CLIENT_KEY_PASSPHRASE"]
    use_ssh_section(section)
    ssh.connect_to_jump_host()
    assert ssh.remote_user_should_match_configuration() == "root"


def test_disabled_ssh_skips_with_the_reason(use_ssh_section, ssh):
    use_ssh_section({"enabled": False})

    with pytest.raises(SkipExecution, match=r"SSH access is disabled in environment 'lab' \(ssh.enabled: false\)"):
        ssh.skip_if_ssh_access_is_disabled()


def test_configuration_problem_is_not_checked(use_ssh_section, ssh):
    use_ssh_section({"jump_host": {"host": "127.0.0.1", "username": "root"}})

    assert failure_of(ssh.connect_to_target_through_jump_host, SettingsUnusable).endswith("has no ssh.target_host")
    message = failure_of(ssh.connect_to_jump_host, SettingsUnusable)
    assert message.endswith(
        "jump host root@127.0.0.1:22: no authentication configured (password, key_file or use_agent)"
    )
    assert "environment 'nope' not found" in failure_of(
        JumpHostSSHLibrary("nope").connect_to_jump_host, SettingsUnusable
    )


def test_failed_command_names_command_exit_status_and_stderr(start_lab, use_ssh_section, ssh):
    use_ssh_section(ssh_section(start_lab()))
    ssh.connect_to_jump_host()

    message = failure_of(lambda: ssh.command_should_succeed("echo boom >&2; exit 3"))
    label = ssh._connections.get("jump").label
    assert message == f"SSH command 'echo boom >&2; exit 3' failed on {label} with exit status 3; stderr: boom"
    assert "wrote to stderr: careful" in failure_of(lambda: ssh.command_should_succeed("echo careful >&2; echo ok"))
    result = ssh.execute_command("printf out; printf err >&2; exit 4")
    assert (result.stdout, result.stderr, result.exit_status) == ("out", "err", 4)


def test_slow_command_times_out_with_the_limit_named(start_lab, use_ssh_section, ssh):
    use_ssh_section(ssh_section(start_lab()))
    ssh.connect_to_jump_host()

    started = time.monotonic()
    # The command outlives the hang bound: a keyword that waited for it to end, not for its limit, trips the bound.
    message = failure_of(lambda: ssh.execute_command(f"sleep {2 * HANG_BOUND_S:g}", timeout=0.5))

    assert time.monotonic() - started < HANG_BOUND_S  # a hang bound, not a measurement
    assert message.endswith("timed out after 0.5 s")


def test_latency_above_the_limit_fails_naming_the_connection(start_lab, use_ssh_section, ssh):
    use_ssh_section(ssh_section(start_lab()))
    ssh.connect_to_jump_host()

    message = failure_of(lambda: ssh.connection_latency_should_be_below(0.0))

    assert "SSH connection to root@127.0.0.1:" in message and "not below the 0 s limit" in message


def test_close_all_connections_closes_target_and_jump(start_lab, use_ssh_section, ssh):
    use_ssh_section(ssh_section(start_lab()))
    ssh.connect_to_target_through_jump_host()
    transports = [session.client.get_transport() for session in ssh._connections]
    assert len(transports) == 2

    ssh.close_all_ssh_connections()
    ssh.close_all_ssh_connections()

    assert not any(transport.is_active() for transport in transports)
    message = failure_of(lambda: ssh.execute_command("true", alias="jump"), RuntimeError)
    assert message.startswith("SSH: no open connection 'jump'; open: none")


def test_stopped_lab_leaves_no_listener_or_thread(tmp_path):
    threads_before = set(threading.enumerate())
    component = SshHostsComponent()
    lab = component.start(LabContext(tmp_path))

    component.stop()

    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", int(lab["LAB_SSH_JUMP_PORT"])), timeout=1).close()
    assert set(threading.enumerate()) <= threads_before


def test_lab_faults_yaml_drives_the_ssh_settings():
    ssh_faults = {
        "ssh-jump-down",
        "ssh-wrong-password",
        "ssh-target-down",
        "ssh-host-key-changed",
        "target-no-k9s",
        "ssh-wrong-user",
    }
    assert lab_settings(frozenset()) == LabSettings()
    assert lab_settings(frozenset({"mongo-down"})) == LabSettings()
    assert lab_settings(frozenset(ssh_faults)) == LabSettings(
        jump_listening=False,
        wrong_password_for=("jump",),
        target_reachable=False,
        stale_host_key_for=("target",),
        missing_target_tools=("k9s",),
        wrong_user_for=("jump",),
    )


def test_keywords_run_from_a_robot_suite(start_lab, use_ssh_section, tmp_path):
    use_ssh_section(ssh_section(start_lab()))
    library = REPO_ROOT / "keywords" / "ssh" / "library.py"
    suite = tmp_path / "ssh.robot"
    suite.write_text(
        f"*** Settings ***\nLibrary    {library}    lab\n\n*** Test Cases ***\nSSH Through Jump Host\n"
        "    Skip If SSH Access Is Disabled\n    Connect To Target Through Jump Host\n"
        "    Command Output Should Contain    k9s version    Version:\n"
        f"    Connection Latency Should Be Below    {HANG_BOUND_S:g}\n"  # a hang bound, not the 2 s default
    )
    assert robot.run(suite, outputdir=tmp_path / "out", output="NONE", report="NONE", log="NONE", console="none") == 0


def test_lab_environment_reads_the_published_settings_from_its_env_file(start_lab, tmp_path, monkeypatch, ssh):
    lab = start_lab()
    (tmp_path / "lab.env").write_text("".join(f"{name}={value}\n" for name, value in lab.items()))
    placeholders = {
        "known_hosts": "${LAB_SSH_KNOWN_HOSTS}",
        "jump_host": {
            "host": "${LAB_SSH_JUMP_HOST}",
            "port": "${LAB_SSH_JUMP_PORT}",
            "username": "root",
            "password": "${LAB_SSH_JUMP_PASSWORD}",
        },
        "target_host": {
            "host": "${LAB_SSH_TARGET_HOST}",
            "port": "${LAB_SSH_TARGET_PORT}",
            "username": "prisma",
            "password": "${LAB_SSH_TARGET_PASSWORD}",
        },
    }
    environments = tmp_path / "environments.yaml"
    environments.write_text(yaml.safe_dump({"lab": {"env_file": "lab.env", "ssh": placeholders}}))
    monkeypatch.setenv("FOCUS_ENVIRONMENTS_FILE", str(environments))

    ssh.connect_to_target_through_jump_host()

    assert ssh.command_should_succeed("hostname") == "lab-target"


def test_reconnecting_replaces_the_open_connections(start_lab, use_ssh_section, ssh):
    use_ssh_section(ssh_section(start_lab()))
    ssh.connect_to_target_through_jump_host()
    first = [session.client.get_transport() for session in ssh._connections]

    ssh.connect_to_target_through_jump_host()
    assert not first[1].is_active() and first[0].is_active()  # a new target through the same jump host
    ssh.connect_to_jump_host()

    assert not any(transport.is_active() for transport in first)  # the target's tunnel closed with its jump host
    assert ssh._connections.aliases() == ["jump"]


def test_restarting_in_the_same_state_folder_applies_the_new_faults(tmp_path, use_ssh_section, ssh):
    for faults, has_k9s in ((frozenset(), True), (frozenset({"target-no-k9s"}), False)):
        component = SshHostsComponent()
        lab = component.start(LabContext(tmp_path, faults=faults))
        try:
            use_ssh_section(ssh_section(lab))
            ssh.connect_to_target_through_jump_host()
            assert (ssh.execute_command("k9s version").exit_status == 0) is has_k9s
        finally:
            ssh.close_all_ssh_connections()
            component.stop()


class _ExecNeverAnswered(paramiko.ServerInterface):
    """A real SSH server (paramiko's) that authenticates, opens sessions, and then never answers an exec request."""

    def __init__(self, release: threading.Event) -> None:
        self.release = release

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_auth_password(self, username: str, password: str) -> int:
        return paramiko.AUTH_SUCCESSFUL if password == "hung-pw" else paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return paramiko.OPEN_SUCCEEDED

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        self.release.wait()
        return False


@pytest.fixture
def hung_exec_host(tmp_path: Path) -> Iterator[dict]:
    new_ed25519_key().write_private_key(str(tmp_path / "hung_host_key"))
    host_key = paramiko.Ed25519Key.from_private_key_file(str(tmp_path / "hung_host_key"))
    release = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    transports: list[paramiko.Transport] = []

    def serve() -> None:
        with contextlib.suppress(OSError):  # the listener closes at teardown
            while True:  # the library's TCP probe comes first, then the SSH connection
                connection, _ = listener.accept()
                transport = paramiko.Transport(connection)
                transport.add_server_key(host_key)
                transports.append(transport)
                transport.start_server(event=threading.Event(), server=_ExecNeverAnswered(release))

    threading.Thread(target=serve, daemon=True).start()
    known_hosts = tmp_path / "hung_known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {host_key.get_name()} {host_key.get_base64()}\n")
    yield {"port": port, "known_hosts": str(known_hosts)}
    release.set()
    for transport in transports:
        transport.close()
    listener.close()


def test_command_on_a_server_that_never_answers_the_exec_request_times_out(hung_exec_host, use_ssh_section, ssh):
    jump = {"host": "127.0.0.1", "port": hung_exec_host["port"], "username": "root", "password": "hung-pw"}
    use_ssh_section({"known_hosts": hung_exec_host["known_hosts"], "jump_host": jump, "target_host": jump})
    ssh.connect_to_jump_host()

    started = time.monotonic()
    message = failure_of(lambda: ssh.execute_command("hostname", timeout=0.5))

    assert time.monotonic() - started < HANG_BOUND_S  # a hang bound, not a measurement: the server never answers
    assert message.endswith("timed out after 0.5 s")


def test_a_target_reconnects_through_a_jump_host_that_was_closed_by_reconnecting_it(start_lab, use_ssh_section, ssh):
    use_ssh_section(ssh_section(start_lab()))
    ssh.connect_to_target_through_jump_host()
    ssh.connect_to_jump_host(alias="other")
    ssh._connections.get("jump").close()  # a jump host whose connection dropped
    ssh.connect_to_target_through_jump_host()
    assert ssh.command_should_succeed("hostname") == "lab-target"


def test_a_port_that_accepts_but_never_sends_a_banner_is_named_as_such(use_ssh_section, ssh):
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts TCP (the kernel's backlog), never speaks
        jump = {"host": "127.0.0.1", "port": silent.getsockname()[1], "username": "root", "password": "pw"}
        use_ssh_section({"timeout_s": 0.5, "accept_unknown_host_keys": True, "jump_host": jump, "target_host": jump})
        started = time.monotonic()
        message = failure_of(ssh.connect_to_jump_host)
    assert time.monotonic() - started < HANG_BOUND_S  # a hang bound, not a measurement: the port never speaks
    assert message == (
        f"SSH jump host root@127.0.0.1:{jump['port']}: network: no SSH banner within 0.5 s: the port accepts TCP "
        "but no SSH server answers (another service on the port, or a hung sshd)"
    )


def test_hashed_known_hosts_entries_as_debian_writes_them_verify_both_hosts(start_lab, use_ssh_section, ssh, tmp_path):
    lab = start_lab()
    hashed = hashed_known_hosts(lab["LAB_SSH_KNOWN_HOSTS"], tmp_path)
    assert "target.lab" not in hashed.read_text() and "127.0.0.1" not in hashed.read_text()
    use_ssh_section(ssh_section(lab, known_hosts=str(hashed)))

    ssh.connect_to_target_through_jump_host()  # the jump host's entry is a hashed [127.0.0.1]:port

    assert ssh.command_should_succeed("hostname") == "lab-target"


def test_keys_held_by_the_ssh_agent_authenticate_when_the_environment_says_use_agent(
    start_lab, use_ssh_section, ssh, tmp_path
):
    lab = start_lab()
    section = ssh_section(lab)
    for host in ("jump_host", "target_host"):
        del section[host]["password"]
        section[host]["use_agent"] = True
    use_ssh_section(section)

    with ssh_agent_holding(lab["LAB_SSH_CLIENT_KEY"], tmp_path):
        ssh.connect_to_target_through_jump_host()

    assert ssh.remote_user_should_match_configuration() == "prisma"


def test_a_login_that_lands_in_another_account_fails_naming_the_host_and_both_users(start_lab, use_ssh_section, ssh):
    lab = start_lab("ssh-wrong-user")
    use_ssh_section(ssh_section(lab))
    ssh.connect_to_target_through_jump_host()  # authentication as root works: only whoami tells

    message = failure_of(lambda: ssh.remote_user_should_match_configuration(alias="jump"))

    assert message == (
        f"SSH jump host root@127.0.0.1:{lab['LAB_SSH_JUMP_PORT']}: wrong user: whoami printed 'nobody', "
        "expected 'root' (ssh.jump_host.username)"
    )
    assert ssh.remote_user_should_match_configuration(alias="target") == "prisma"  # the fault is the jump host's


def test_without_the_fault_the_jump_host_login_is_the_configured_user(start_lab, use_ssh_section, ssh):
    use_ssh_section(ssh_section(start_lab()))
    ssh.connect_to_jump_host()

    assert ssh.remote_user_should_match_configuration(alias="jump") == "root"


def test_connect_takes_the_alias_then_the_environment_as_every_library_does(start_lab, use_ssh_section, ssh):
    use_ssh_section(ssh_section(start_lab()))
    assert ssh.connect_to_jump_host("explicit-jump", "lab").alias == "explicit-jump"
    assert ssh.connect_to_target_through_jump_host("explicit-target", "lab", jump="explicit-jump").alias == (
        "explicit-target"
    )
    message = failure_of(lambda: ssh.connect_to_jump_host("elsewhere", "nowhere"), SettingsUnusable)
    assert message.startswith("SSH not checked, the environment's settings are unusable: environment ")
    assert "'nowhere' not found" in message


def two_bastions(lab: dict[str, str]) -> dict:
    """The lab's chain jump -> bastion-2 -> target (environment ``lab-two-bastions``)."""
    section = ssh_section(lab)
    bastion2 = {
        "host": lab["LAB_SSH_BASTION2_HOST"],
        "port": int(lab["LAB_SSH_BASTION2_PORT"]),
        "username": lab["LAB_SSH_BASTION2_USER"],
        "password": lab["LAB_SSH_BASTION2_PASSWORD"],
    }
    return {**section, "jump_host": None, "jump_hosts": [section["jump_host"], bastion2]}


def evidence_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.getMessage().startswith("evidence ")]


def test_the_target_is_reached_through_two_bastions_each_named_and_verified(start_lab, use_ssh_section, ssh):
    lab = start_lab()
    use_ssh_section(two_bastions(lab))

    target = ssh.connect_to_target_through_jump_host()

    assert target.target == "prisma@target.lab:22 via second bastion ops@bastion-2.lab:22"
    assert ssh.command_should_succeed("hostname") == "lab-target"
    assert ssh.command_should_succeed("hostname", alias="jump") == "lab-bastion-2"
    assert ssh.command_should_succeed("hostname", alias="jump-1") == "lab-jump"
    assert ssh.remote_user_should_match_configuration(alias="jump") == "ops"
    forwarded = Path(lab["LAB_SSH_FORWARDED_LOG"]).read_text()
    assert "jump direct-tcpip 127.0.0.1:0 -> bastion-2.lab:22 opened" in forwarded
    assert "bastion-2 direct-tcpip 127.0.0.1:0 -> target.lab:22 opened" in forwarded
    ssh.close_all_ssh_connections()
    assert list(ssh._connections) == []


def test_a_chain_of_one_is_the_single_jump_host(start_lab, use_ssh_section, ssh):
    lab = start_lab()
    section = ssh_section(lab)
    use_ssh_section({**section, "jump_host": None, "jump_hosts": [section["jump_host"]]})

    target = ssh.connect_to_target_through_jump_host()

    assert target.target.startswith("prisma@target.lab:22 via jump host root@127.0.0.1:")
    assert ssh._connections.aliases() == ["jump", "target"]


def test_a_second_bastion_that_refuses_forwarding_is_named_with_its_policy(start_lab, use_ssh_section, ssh, caplog):
    lab = start_lab("ssh-second-hop-broken")
    use_ssh_section(two_bastions(lab))

    with caplog.at_level("INFO"):
        message = failure_of(ssh.connect_to_target_through_jump_host)

    assert message == (
        f"SSH: second bastion ops@bastion-2.lab:22 via first bastion root@127.0.0.1:{lab['LAB_SSH_JUMP_PORT']} "
        "refused to forward to target target.lab:22: port forwarding disabled (channel open failure 1: "
        "administratively prohibited): its forwarding policy forbids this channel (sshd_config AllowTcpForwarding, "
        "PermitOpen, or a Match block for this user); the target was not tried"
    )
    [evidence] = evidence_lines(caplog)
    assert evidence.startswith("evidence SSH target host prisma@target.lab:22 via second bastion ops@bastion-2.lab:22")
    assert "TCP check from the second bastion ops@bastion-2.lab:22 to target.lab:22" in evidence
    assert ": not tried: the hop refused to open the channel" in evidence and "not connected" not in evidence
    assert ssh.command_should_succeed("hostname", alias="jump") == "lab-bastion-2"  # the last working hop


def test_a_second_bastion_that_is_not_reachable_names_the_first_bastion(start_lab, use_ssh_section, ssh):
    lab = start_lab()
    chain = two_bastions(lab)
    chain["jump_hosts"][1] = {**chain["jump_hosts"][1], "host": "bastion-3.lab"}
    use_ssh_section(chain)

    message = failure_of(ssh.connect_to_jump_host)

    assert message.startswith(
        f"SSH: first bastion root@127.0.0.1:{lab['LAB_SSH_JUMP_PORT']} could not reach second bastion "
        "bastion-3.lab:22: No route to host bastion-3.lab (channel open failure 2: connect failed); the first "
        "bastion is up and authenticated, so the second bastion host or its network is down"
    )


def test_command_output_is_logged_and_returned_without_terminal_colours(start_lab, use_ssh_section, ssh, caplog):
    use_ssh_section(ssh_section(start_lab()))
    ssh.connect_to_jump_host()

    with caplog.at_level("INFO"):
        result = ssh.execute_command(r"printf '\033[36mVersion:\033[0m v0.50.16\r\n'")

    assert result.stdout == "Version: v0.50.16\n"
    assert result.raw_stdout == "\x1b[36mVersion:\x1b[0m v0.50.16\r\n"
    assert "\x1b" not in caplog.text and "stdout: Version: v0.50.16" in caplog.text
    assert ssh.command_output_should_contain(r"printf '\033[1mVersion:\033[0m'", "Version:") == "Version:"


def test_host_checks_pass_on_the_healthy_target(start_lab, use_ssh_section, ssh):
    lab = start_lab()
    use_ssh_section(ssh_section(lab))
    ssh.connect_to_target_through_jump_host()

    assert ssh.disk_usage_should_be_below("/", 90) == 41
    assert ssh.inode_usage_should_be_below("/", 90) == 12
    log = ssh.remote_file_should_contain("logs/focus-server.log", "Focus Server started", last_lines=100)
    assert log.endswith("Focus Server started\n")
    assert ssh.read_remote_file("/proc/net/tcp", last_lines=1, max_bytes=4096).count("\n") == 1
    assert ssh.systemd_unit_should_be_active("focus-server.service") == "active"
    assert ssh.process_should_be_running("python", full=True)
    assert ssh.port_should_be_listening(int(lab["LAB_SSH_JUMP_PORT"]), address="127.0.0.1").endswith(
        f":{lab['LAB_SSH_JUMP_PORT']}"
    )


def test_host_checks_fail_with_the_host_and_the_cause_on_the_first_line(start_lab, use_ssh_section, ssh, caplog):
    use_ssh_section(ssh_section(start_lab()))
    ssh.connect_to_target_through_jump_host()
    target = "SSH target host prisma@target.lab:22 via jump host root@127.0.0.1:"

    with caplog.at_level("INFO"):
        failures = {
            "disk": failure_of(lambda: ssh.disk_usage_should_be_below("/", 0)),
            "missing file": failure_of(lambda: ssh.read_remote_file("logs/missing.log")),
            "too big": failure_of(lambda: ssh.read_remote_file("/proc/net/tcp", max_bytes=10)),
            "content": failure_of(lambda: ssh.remote_file_should_contain("logs/focus-server.log", "ERROR")),
            "process": failure_of(lambda: ssh.process_should_be_running("no-such-process")),
            "unit": failure_of(lambda: ssh.systemd_unit_should_be_active("mongod.service")),
            "port": failure_of(lambda: ssh.port_should_be_listening(1)),
            "df": failure_of(lambda: ssh.disk_usage_should_be_below("/no/such/path", 90)),
        }

    assert all(message.startswith(target) and "\n" not in message for message in failures.values()), failures
    assert "% of its space used, not below the 0 % limit" in failures["disk"]
    assert failures["missing file"].endswith("file logs/missing.log does not exist")
    assert "holds more than 10 bytes (max_bytes); read its end with last_lines" in failures["too big"]
    assert failures["content"].endswith("file logs/focus-server.log does not contain 'ERROR' (searched it)")
    assert failures["process"].endswith("no process named 'no-such-process' is running (pgrep -x)")
    assert failures["unit"].endswith("systemd unit 'mongod.service' is inactive, not active (systemctl is-active)")
    assert "nothing listens on TCP port 1; listening ports: " in failures["port"]
    assert "cannot check the file system of /no/such/path: df exited with status 1" in failures["df"]
    titles = [block.splitlines()[0] for block in evidence_lines(caplog)]
    assert len(titles) == 5 and all(
        title.startswith("evidence SSH target host prisma@target.lab:22") for title in titles
    )
    with pytest.raises(ValueError, match="must be a name on one line"):
        ssh.process_should_be_running("-9")


def test_a_full_disk_on_the_target_fails_naming_its_file_system(start_lab, use_ssh_section, ssh):
    use_ssh_section(ssh_section(start_lab("target-disk-full")))
    ssh.connect_to_target_through_jump_host()

    message = failure_of(lambda: ssh.disk_usage_should_be_below("/", 90))

    assert message.endswith(
        ": file system lab-disk mounted on / (holding /) has 97 % of its space used, not below the 90 % limit "
        "(9.7 GiB of 10.0 GiB; 307.2 MiB available)"
    )
    assert ssh.inode_usage_should_be_below("/", 90) == 12
