"""Every bad input a user can give: one line naming what, where and how to fix it, the case "not checked" in the
diagnosis, a non-zero exit, and no traceback anywhere a user looks. Run against one healthy lab."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.helpers import REPO_ROOT, lab_running, readable_texts

ENVIRONMENTS = REPO_ROOT / "variables" / "environments.yaml"


@dataclass(frozen=True)
class BadInput:
    """``change`` edits the lab environment (a dict) or returns file bytes; the case of ``include`` must report
    ``expected`` on its message's first line."""

    change: Callable[[dict, Path], dict | bytes | None]
    include: str
    expected: str
    robot_args: tuple[str, ...] = ()


def edit(path: str, value) -> Callable[[dict, Path], dict]:
    def change(lab: dict, folder: Path) -> dict:
        *parents, key = path.split(".")
        section = lab
        for parent in parents:
            section = section.setdefault(parent, {})
        if value is None:
            section.pop(key, None)
        else:
            section[key] = value(folder) if callable(value) else value
        return lab

    return change


BAD_INPUTS = {
    "malformed YAML": BadInput(
        lambda lab, folder: b"lab:\n  mongodb: {host: 127.0.0.1\n  port: 1\n", "PZ-13806", "malformed YAML in "
    ),
    "not UTF-8": BadInput(lambda lab, folder: b"lab:\n  mongodb: {host: \xff}\n", "PZ-13806", "is not UTF-8 text"),
    "unknown environment": BadInput(
        lambda lab, folder: lab, "PZ-13806", "environment 'nope' not found in", ("--variable", "ENV:nope")
    ),
    "empty ENV": BadInput(lambda lab, folder: lab, "PZ-13806", "environment '' not found in", ("--variable", "ENV:")),
    "unknown section": BadInput(edit("redis", {"host": "r"}), "PZ-13806", "unknown section(s) ['redis']"),
    "unknown key": BadInput(edit("mongodb.hots", "x"), "PZ-13806", "mongodb.hots is not a known key; did you mean"),
    "wrong type": BadInput(edit("mongodb.port", "twenty"), "PZ-13806", "mongodb.port must be int, got str 'twenty'"),
    "negative timeout": BadInput(
        edit("mongodb.connect_timeout_ms", -5000), "PZ-13806", "mongodb.connect_timeout_ms must be greater than 0"
    ),
    "URI with credentials as host": BadInput(
        edit("mongodb.host", "mongodb://prisma:Uri-Secret-99@127.0.0.1:27017"),
        "PZ-13806",
        "mongodb.host must be a host name or address, not a URI or user@host",
    ),
    "unset secret": BadInput(
        edit("mongodb.password", "${FOCUS_UNSET_SECRET}"),
        "PZ-13806",
        "mongodb.password needs environment variable FOCUS_UNSET_SECRET, which is not set",
    ),
    "no PZ-13807 expectations": BadInput(
        edit("focus_server.expected_mongodb", None), "PZ-13807", "declares no expected values for PZ-13807"
    ),
    "missing known_hosts": BadInput(
        edit("ssh.known_hosts", lambda folder: str(folder / "gone_known_hosts")), "PZ-13900", "known_hosts file "
    ),
    "missing key file": BadInput(
        edit("ssh.jump_host.key_file", lambda folder: str(folder / "gone_key")), "PZ-13900", "key_file "
    ),
    "missing CA file": BadInput(
        edit("kubernetes.ca_file", lambda folder: str(folder / "gone_ca.crt")), "PZ-13899", "kubernetes.ca_file "
    ),
    "missing kubeconfig": BadInput(
        lambda lab, folder: {
            **lab,
            "kubernetes": {**lab["kubernetes"], "token": None, "kubeconfig": str(folder / "gone_kubeconfig")},
        },
        "PZ-13899",
        "kubernetes.kubeconfig ",
    ),
    "negative SSH timeout": BadInput(edit("ssh.timeout_s", -5), "PZ-13900", "ssh.timeout_s must be greater than 0"),
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with lab_running(tmp_path_factory.mktemp("bad-inputs")) as lab:
        yield lab


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_a_bad_input_is_one_line_not_checked_with_no_traceback(lab, tmp_path, name):
    bad = BAD_INPUTS[name]
    environments = yaml.safe_load(ENVIRONMENTS.read_text(encoding="utf-8"))
    environments["lab"]["env_file"] = str(Path(lab.env["FOCUS_LAB_STATE"]) / "lab.env")
    changed = bad.change(environments["lab"], tmp_path)
    path = tmp_path / "environments.yaml"
    if isinstance(changed, bytes):
        path.write_bytes(changed)
    else:
        environments["lab"] = {key: value for key, value in changed.items() if value is not None}
        path.write_text(yaml.safe_dump(environments), encoding="utf-8")
    environment = {**lab.env, "FOCUS_ENVIRONMENTS_FILE": str(path)}
    results = tmp_path / "results"
    command = [sys.executable, "-m", "robot", "--outputdir", str(results), "--include", bad.include, *bad.robot_args]
    done = subprocess.run(
        [*command, "suites"], cwd=REPO_ROOT, env=environment, capture_output=True, text=True, check=False
    )

    assert done.returncode != 0
    message = _message_of(results / "output.xml", bad.include)
    first_line = message.splitlines()[0]
    assert "not checked, the environment's settings are unusable: " in first_line, message
    assert bad.expected in first_line, message
    assert "\n" not in message, message
    diagnosis = (results / "diagnosis.md").read_text(encoding="utf-8")
    assert f"- {bad.include} not checked → **the run's settings for this environment are unusable**" in diagnosis
    texts = {**readable_texts(results), "console": done.stdout + done.stderr}
    assert [where for where, text in texts.items() if "Traceback" in text] == []
    assert [where for where, text in texts.items() if "Uri-Secret-99" in text] == []


def _message_of(output: Path, key: str) -> str:
    from robot.api import ExecutionResult

    (test,) = [test for test in ExecutionResult(str(output)).suite.all_tests if key in test.tags]
    return test.message


def test_an_unknown_lab_fault_is_one_line_and_a_non_zero_exit(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "lab", "up", "--fault", "no-such-fault"],
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", "FOCUS_LAB_STATE": str(tmp_path / "lab"), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stdout + done.stderr
    assert len((done.stdout + done.stderr).strip().splitlines()) == 1, done.stdout + done.stderr
    assert "no-such-fault" in done.stderr
