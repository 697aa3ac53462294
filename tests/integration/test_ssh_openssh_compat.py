"""JumpHostSSHLibrary against real OpenSSH servers (Debian ``openssh-server``): auth, tunnel, host keys.

Runs as root with sshd installed (CI: ``apt-get install -y openssh-server``); skipped otherwise, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from keywords.ssh.library import JumpHostSSHLibrary
from lab.component import LabContext
from lab.openssh_hosts import OpenSshHostsComponent, unavailable_reason
from lab.ssh_hosts.identities import new_ed25519_key, public_line
from tests.helpers import failure_of, hashed_known_hosts, ssh_agent_holding

pytestmark = pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))
#: Generous: 3x the 5 s default ssh.timeout_s. Timing is measured in bench/, not here.
HANG_BOUND_S = 15.0


@pytest.fixture(scope="module")
def hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    component = OpenSshHostsComponent()
    try:
        yield component.start(LabContext(tmp_path_factory.mktemp("openssh")))
    finally:
        component.stop()


def host(hosts: dict[str, str], role: str, **auth: object) -> dict:
    prefix = f"LAB_OPENSSH_{role.upper()}"
    return {
        "host": hosts[f"{prefix}_HOST"],
        "port": int(hosts[f"{prefix}_PORT"]),
        "username": hosts[f"{prefix}_USER"],
        **(auth or {"password": hosts[f"{prefix}_PASSWORD"]}),
    }


@pytest.fixture
def use_ssh_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hosts: dict[str, str]) -> Callable[..., None]:
    """Select an environment pointing at the sshd hosts; keyword arguments replace parts of its ssh section."""

    def use(**overrides: object) -> None:
        ssh = {
            "known_hosts": hosts["LAB_OPENSSH_KNOWN_HOSTS"],
            "jump_host": host(hosts, "jump"),
            "target_host": host(hosts, "target"),
            **overrides,
        }
        path = tmp_path / "environments.yaml"
        path.write_text(yaml.safe_dump({"openssh": {"ssh": ssh}}), encoding="utf-8")
        monkeypatch.setenv("FOCUS_ENVIRONMENTS_FILE", str(path))

    return use


@pytest.fixture
def ssh() -> Iterator[JumpHostSSHLibrary]:
    library = JumpHostSSHLibrary("openssh")
    yield library
    library.close_all_ssh_connections()


def test_password_authentication_on_the_jump_host(use_ssh_section, ssh, hosts):
    use_ssh_section()

    ssh.connect_to_jump_host()

    assert ssh.remote_user_should_match_configuration() == hosts["LAB_OPENSSH_JUMP_USER"]


def test_target_is_reached_through_the_jump_hosts_direct_tcpip(use_ssh_section, ssh, hosts):
    use_ssh_section()

    ssh.connect_to_target_through_jump_host()

    assert ssh.remote_user_should_match_configuration() == hosts["LAB_OPENSSH_TARGET_USER"]
    # The keyword passes and returns the slowest connection, under a hang bound: a 2 s limit would be a timing
    # threshold, and connect times are measured in bench/, not here.
    slowest = ssh.connection_latency_should_be_below(HANG_BOUND_S)
    assert slowest == max(session.latency_s for session in ssh._connections) > 0
    target = f"target {hosts['LAB_OPENSSH_TARGET_HOST']} port {hosts['LAB_OPENSSH_TARGET_PORT']}"
    assert f"server_request_direct_tcpip: originator 127.0.0.1 port 0, {target}" in (
        Path(hosts["LAB_OPENSSH_JUMP_LOG"]).read_text()
    )


@pytest.mark.parametrize("key", ["ED25519", "RSA"])
def test_key_authentication_through_the_jump_host(use_ssh_section, ssh, hosts, key):
    key_file = {"key_file": hosts[f"LAB_OPENSSH_CLIENT_{key}_KEY"]}
    use_ssh_section(jump_host=host(hosts, "jump", **key_file), target_host=host(hosts, "target", **key_file))

    ssh.connect_to_target_through_jump_host()

    assert ssh.remote_user_should_match_configuration() == hosts["LAB_OPENSSH_TARGET_USER"]
    accepted = f"Accepted publickey for {hosts['LAB_OPENSSH_TARGET_USER']} from 127.0.0.1 port"
    assert any(
        line.startswith(accepted) and f"ssh2: {key} SHA256:" in line
        for line in Path(hosts["LAB_OPENSSH_TARGET_LOG"]).read_text().splitlines()
    )


def test_wrong_password_is_an_authentication_failure(use_ssh_section, ssh, hosts):
    use_ssh_section(jump_host=host(hosts, "jump", password="not-the-password"))

    message = failure_of(ssh.connect_to_jump_host)

    jump = f"{hosts['LAB_OPENSSH_JUMP_USER']}@127.0.0.1:{hosts['LAB_OPENSSH_JUMP_PORT']}"
    assert f"SSH jump host {jump}: authentication failed" in message
    assert "tried: password" in message


def test_changed_target_host_key_fails_naming_both_fingerprints(use_ssh_section, ssh, hosts, tmp_path):
    real_known_hosts = Path(hosts["LAB_OPENSSH_KNOWN_HOSTS"]).read_text().splitlines()
    stale_key = new_ed25519_key()
    stale = [
        line.split()[0] + f" {public_line(stale_key)}" if line.startswith("[127.0.0.2]") else line
        for line in real_known_hosts
    ]
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("\n".join(stale) + "\n")
    use_ssh_section(known_hosts=str(known_hosts))

    message = failure_of(ssh.connect_to_target_through_jump_host)

    assert message.startswith(f"SSH target host {hosts['LAB_OPENSSH_TARGET_USER']}@127.0.0.2:")
    assert f"expected ssh-ed25519 {stale_key.get_fingerprint()}" in message
    assert message.count("SHA256:") == 2


def test_forward_outside_permitopen_names_the_jump_hosts_forwarding_policy(use_ssh_section, ssh, hosts):
    use_ssh_section(target_host={**host(hosts, "target"), "port": int(hosts["LAB_OPENSSH_JUMP_PORT"])})

    message = failure_of(ssh.connect_to_target_through_jump_host)

    jump = f"{hosts['LAB_OPENSSH_JUMP_USER']}@127.0.0.1:{hosts['LAB_OPENSSH_JUMP_PORT']}"
    assert message.startswith(f"SSH: jump host {jump} refused to forward to target 127.0.0.2:")
    assert "(channel open failure 1: administratively prohibited): its forwarding policy" in message
    assert "PermitOpen" in message and "down" not in message


def test_a_jump_host_with_allowtcpforwarding_no_fails_naming_its_policy_and_the_target_is_not_tried(
    use_ssh_section, ssh, hosts, caplog
):
    use_ssh_section(jump_host=host(hosts, "hardened"))

    with caplog.at_level("INFO"):
        message = failure_of(ssh.connect_to_target_through_jump_host)

    hardened = f"{hosts['LAB_OPENSSH_HARDENED_USER']}@127.0.0.4:{hosts['LAB_OPENSSH_HARDENED_PORT']}"
    first_line = message.splitlines()[0]
    assert first_line.startswith(f"SSH: jump host {hardened} refused to forward to target 127.0.0.2:")
    assert "administratively prohibited" in first_line and "AllowTcpForwarding" in first_line
    assert "down" not in first_line and first_line.endswith("the target was not tried")
    evidence = [record.getMessage() for record in caplog.records if record.getMessage().startswith("evidence ")]
    assert evidence and "not tried: the hop refused to open the channel" in evidence[-1]
    assert "not connected" not in evidence[-1]
    assert ssh.remote_user_should_match_configuration(alias="jump") == hosts["LAB_OPENSSH_HARDENED_USER"]


def test_the_target_is_reached_through_two_openssh_bastions(use_ssh_section, ssh, hosts):
    use_ssh_section(jump_host=None, jump_hosts=[host(hosts, "jump"), host(hosts, "bastion2")])

    target = ssh.connect_to_target_through_jump_host()

    bastion2 = f"{hosts['LAB_OPENSSH_BASTION2_USER']}@127.0.0.3:{hosts['LAB_OPENSSH_BASTION2_PORT']}"
    assert target.target.endswith(f"via second bastion {bastion2}")
    assert ssh.remote_user_should_match_configuration() == hosts["LAB_OPENSSH_TARGET_USER"]
    assert ssh.remote_user_should_match_configuration(alias="jump") == hosts["LAB_OPENSSH_BASTION2_USER"]
    assert ssh.remote_user_should_match_configuration(alias="jump-1") == hosts["LAB_OPENSSH_JUMP_USER"]
    assert "server_request_direct_tcpip: originator 127.0.0.1 port 0, target 127.0.0.2" in (
        Path(hosts["LAB_OPENSSH_BASTION2_LOG"]).read_text()
    )


def test_a_hardened_second_bastion_is_named_with_the_bastion_it_was_reached_through(use_ssh_section, ssh, hosts):
    use_ssh_section(jump_host=None, jump_hosts=[host(hosts, "jump"), host(hosts, "hardened")])

    message = failure_of(ssh.connect_to_jump_host)

    # The jump host's PermitOpen names the target and the second bastion only: its refusal is its policy too.
    jump = f"{hosts['LAB_OPENSSH_JUMP_USER']}@127.0.0.1:{hosts['LAB_OPENSSH_JUMP_PORT']}"
    assert message.startswith(f"SSH: first bastion {jump} refused to forward to second bastion 127.0.0.4:")
    assert "administratively prohibited" in message and message.endswith("the second bastion was not tried")


def test_host_checks_pass_and_fail_on_an_openssh_target(use_ssh_section, ssh, hosts):
    use_ssh_section()
    ssh.connect_to_target_through_jump_host()
    target = f"SSH target host {hosts['LAB_OPENSSH_TARGET_USER']}@127.0.0.2:{hosts['LAB_OPENSSH_TARGET_PORT']} via"

    assert 0 <= ssh.disk_usage_should_be_below("/", 100) < 100
    assert failure_of(lambda: ssh.disk_usage_should_be_below("/", 0)).startswith(target)
    assert 0 <= ssh.inode_usage_should_be_below("/", 100) < 100
    assert "PRETTY_NAME" in ssh.remote_file_should_contain("/etc/os-release", "PRETTY_NAME", last_lines=50)
    assert "does not contain 'no such text'" in failure_of(
        lambda: ssh.remote_file_should_contain("/etc/os-release", "no such text")
    )
    assert failure_of(lambda: ssh.read_remote_file("/etc/shadow")).endswith(
        f"file /etc/shadow is not readable by {hosts['LAB_OPENSSH_TARGET_USER']}"
    )
    assert ssh.process_should_be_running("sshd")
    assert "no process named 'no-such-process'" in failure_of(lambda: ssh.process_should_be_running("no-such-process"))
    assert ssh.port_should_be_listening(int(hosts["LAB_OPENSSH_TARGET_PORT"]), address="127.0.0.2")
    assert "nothing listens on TCP port 1;" in failure_of(lambda: ssh.port_should_be_listening(1))
    # No systemd runs here: systemctl answers, but no unit is active.
    assert failure_of(lambda: ssh.systemd_unit_should_be_active("no-such.service")).startswith(target)


def test_hashed_known_hosts_verify_both_openssh_hosts(use_ssh_section, ssh, hosts, tmp_path):
    hashed = hashed_known_hosts(hosts["LAB_OPENSSH_KNOWN_HOSTS"], tmp_path)
    assert "127.0.0" not in hashed.read_text()
    use_ssh_section(known_hosts=str(hashed))

    ssh.connect_to_target_through_jump_host()

    assert ssh.remote_user_should_match_configuration() == hosts["LAB_OPENSSH_TARGET_USER"]


def test_keys_held_by_the_ssh_agent_authenticate_on_both_openssh_hosts(use_ssh_section, ssh, hosts, tmp_path):
    agent_only = {"use_agent": True}
    use_ssh_section(jump_host=host(hosts, "jump", **agent_only), target_host=host(hosts, "target", **agent_only))

    with ssh_agent_holding(hosts["LAB_OPENSSH_CLIENT_ED25519_KEY"], tmp_path):
        ssh.connect_to_target_through_jump_host()

    assert ssh.remote_user_should_match_configuration() == hosts["LAB_OPENSSH_TARGET_USER"]
