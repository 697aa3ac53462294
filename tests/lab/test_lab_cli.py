"""`python -m lab`: start, stop, run; nothing is left behind, also when the command run inside fails."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from keywords.config.environments import ConfigurationError, _env_values
from lab.state import LabState, is_secret
from tests.helpers import REPO_ROOT


def lab(state: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FOCUS_LAB_STATE": str(state)}
    return subprocess.run([sys.executable, "-m", "lab", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True)


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def published_ports(state: Path) -> list[int]:
    values = LabState(state).read_env()
    return [int(values["LAB_MONGO_PORT"]), int(values["LAB_SSH_JUMP_PORT"]), int(values["LAB_K8S_API"].rsplit(":")[-1])]


def process_exists(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()


def test_up_serves_every_component_and_down_leaves_no_process_or_port(tmp_path):
    assert lab(tmp_path, "up").returncode == 0
    pid = int((tmp_path / "lab.pid").read_text())
    ports = published_ports(tmp_path)
    assert all(listening(port) for port in ports)

    assert lab(tmp_path, "down").returncode == 0

    assert not process_exists(pid)
    assert not any(listening(port) for port in ports)
    assert not (tmp_path / "lab.env").exists()


def test_up_prints_no_secret(tmp_path):
    started = lab(tmp_path, "up")
    try:
        values = LabState(tmp_path).read_env()
        secrets = [value for key, value in values.items() if is_secret(key)]
        assert secrets and not any(secret in started.stdout for secret in secrets)
    finally:
        lab(tmp_path, "down")


def test_run_stops_the_lab_when_the_command_fails_and_passes_its_status_on(tmp_path):
    probe = f"cat {tmp_path}/lab.pid > {tmp_path}/seen.pid; exit 3"
    result = lab(tmp_path, "run", "--", "sh", "-c", probe)

    assert result.returncode == 3
    assert not process_exists(int((tmp_path / "seen.pid").read_text()))
    assert not (tmp_path / "lab.pid").exists()


def test_unknown_fault_is_refused_before_anything_starts(tmp_path):
    result = lab(tmp_path, "up", "--fault", "mongo-dwon")

    assert result.returncode != 0
    assert "unknown fault(s) ['mongo-dwon']" in result.stderr
    assert not (tmp_path / "lab.pid").exists()


def test_second_up_on_a_running_lab_is_refused(tmp_path):
    lab(tmp_path, "up")
    try:
        second = lab(tmp_path, "up")
        assert second.returncode != 0
        assert "lab already running" in second.stderr
    finally:
        lab(tmp_path, "down")


def test_run_reuses_a_lab_up_started_with_the_same_faults_and_leaves_it_running(tmp_path):
    lab(tmp_path, "up", "--fault", "mongo-down")
    try:
        pid = (tmp_path / "lab.pid").read_text()
        result = lab(tmp_path, "run", "--fault", "mongo-down", "--", "sh", "-c", f"cat {tmp_path}/lab.pid; exit 5")
        assert result.returncode == 5
        assert "reused, left running" in result.stdout
        assert result.stdout.splitlines()[-1] == pid  # the command met the lab that was up
        assert process_exists(int(pid))
    finally:
        lab(tmp_path, "down")


def test_run_refuses_a_running_lab_with_other_faults_naming_them(tmp_path):
    lab(tmp_path, "up", "--fault", "mongo-down")
    try:
        result = lab(tmp_path, "run", "--", "true")
        assert result.returncode != 0
        assert "lab already running" in result.stderr
        assert "faults: mongo-down" in result.stderr
    finally:
        lab(tmp_path, "down")


def test_down_never_signals_a_process_that_merely_reuses_a_stale_pid(tmp_path):
    bystander = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        (tmp_path / "lab.pid").write_text(str(bystander.pid))
        assert lab(tmp_path, "down").returncode == 0
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


def sourced_by_a_shell(env_file: Path, name: str) -> str:
    script = f'set -a; . "$1"; printf %s "${name}"'
    result = subprocess.run(["bash", "-c", script, "bash", str(env_file)], capture_output=True, text=True, check=True)
    return result.stdout


def test_lab_env_is_sourced_by_a_shell_to_the_values_the_suite_reads(tmp_path):
    assert lab(tmp_path, "up").returncode == 0
    try:
        env_file = tmp_path / "lab.env"
        published = LabState(tmp_path).read_env()
        suite_reads = _env_values(env_file.read_text(encoding="utf-8"), ConfigurationError)
        script = 'set -a; . "$1"; echo "$LAB_K8S_KIND"'
        shell = subprocess.run(["bash", "-c", script, "bash", str(env_file)], capture_output=True, text=True)

        assert shell.returncode == 0, shell.stderr
        assert shell.stdout == published["LAB_K8S_KIND"] + "\n"
        assert " " in published["LAB_K8S_KIND"]  # the value a shell used to split
        assert suite_reads == published
        assert {name: sourced_by_a_shell(env_file, name) for name in published} == published
    finally:
        lab(tmp_path, "down")


@pytest.mark.parametrize(
    "value",
    ["plain", "", "kube-apiserver with embedded etcd, v1.31", "it's", '$HOME `id` \\ "x"', " padded ", "~/a;b|c&d"],
)
def test_every_published_value_reads_back_the_same_in_a_shell_and_in_the_suite(tmp_path, value):
    LabState(tmp_path).publish({"LAB_VALUE": value})
    env_file = tmp_path / "lab.env"

    assert sourced_by_a_shell(env_file, "LAB_VALUE") == value
    assert _env_values(env_file.read_text(encoding="utf-8"), ConfigurationError) == {"LAB_VALUE": value}
    assert LabState(tmp_path).read_env() == {"LAB_VALUE": value}


def test_a_value_no_line_can_hold_is_refused_before_lab_env_is_written(tmp_path):
    with pytest.raises(ValueError, match="line break"):
        LabState(tmp_path).publish({"LAB_VALUE": "two\nlines"})
    assert not list(tmp_path.iterdir())
