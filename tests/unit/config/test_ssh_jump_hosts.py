"""``ssh.jump_hosts``: a chain of jump hosts, each item an SSH host with its placeholders and secrets; the single
``ssh.jump_host`` is still accepted, but not both at once."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from robot.api.types import Secret

from keywords.config.environments import ConfigurationError, load_environment

CHAIN = """
    production:
      ssh:
        jump_hosts:
          - {host: bastion-1.example, username: root, password: "${FIRST_PASSWORD}"}
          - {host: bastion-2.example, port: "${SECOND_PORT}", username: ops, key_file: ~/.ssh/id_ed25519}
        target_host: {host: target.example, username: prisma, password: plain}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "environments.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_each_hop_of_the_chain_resolves_its_placeholders_and_wraps_its_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("FIRST_PASSWORD", "s3cret")
    monkeypatch.setenv("SECOND_PORT", "2223")

    ssh = load_environment("production", write(tmp_path, CHAIN)).section("ssh")

    first, second = ssh["jump_hosts"]
    assert isinstance(first["password"], Secret) and first["password"].value == "s3cret"
    assert (second["host"], second["port"], second["password"]) == ("bastion-2.example", 2223, None)
    assert ssh["jump_host"] is None


def test_the_single_jump_host_is_still_accepted_and_both_at_once_are_refused(tmp_path):
    single = "production:\n  ssh:\n    jump_host: {host: jump.example, username: root, password: x}\n"
    assert load_environment("production", write(tmp_path, single)).section("ssh")["jump_hosts"] is None

    both = single + "    jump_hosts: [{host: other.example, username: root, password: x}]\n"
    with pytest.raises(ConfigurationError) as error:
        load_environment("production", write(tmp_path, both)).section("ssh")
    assert str(error.value).endswith("ssh give jump_host (one) or jump_hosts (a chain), not both")


def test_a_problem_in_a_hop_names_its_position_and_never_shows_a_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("FIRST_PASSWORD", "s3cret")
    monkeypatch.setenv("SECOND_PORT", "not-a-port")
    with pytest.raises(ConfigurationError) as error:
        load_environment("production", write(tmp_path, CHAIN)).section("ssh")
    assert "ssh.jump_hosts.1.port must be int, got str from ${SECOND_PORT} (the value is not shown)" in str(error.value)

    monkeypatch.setenv("SECOND_PORT", "2223")
    typo = CHAIN.replace("key_file:", "key_fle:")
    with pytest.raises(ConfigurationError) as error:
        load_environment("production", write(tmp_path, typo)).section("ssh")
    assert "ssh.jump_hosts.1.key_fle is not a known key; did you mean 'key_file'?" in str(error.value)

    empty = "production:\n  ssh:\n    jump_hosts: []\n"
    with pytest.raises(ConfigurationError) as error:
        load_environment("production", write(tmp_path, empty)).section("ssh")
    assert "ssh.jump_hosts" in str(error.value) and "s3cret" not in str(error.value)
