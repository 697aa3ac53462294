"""What the tests share: a lab started in-process or as `python -m lab`, Robot runs against it, their verdicts,
and a secret scan that reads Robot's compressed strings."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from robot.api import ExecutionResult

from keywords.cases import case_key
from lab.component import LabComponent, LabContext, start_all, stop_all
from lab.state import LabState, is_secret

REPO_ROOT = Path(__file__).resolve().parent.parent
#: log.html and report.html keep their texts in JavaScript arrays; the longer ones zlib-compressed and base64-coded.
_STRING_ARRAYS = re.compile(r'window\.output\["strings"\]\.concat\((\[.*?\])\);', re.DOTALL)


def failure_of(action: Callable[[], object], error: type[BaseException] = AssertionError) -> str:
    """The message of the ``error`` (an AssertionError by default) that ``action`` must raise."""
    with pytest.raises(error) as failure:
        action()
    return str(failure.value)


def robot_strings(html: str) -> list[str]:
    """Every string of a Robot ``log.html``/``report.html``, decompressed: what its JavaScript shows a reader."""
    strings = []
    for array in _STRING_ARRAYS.findall(html):
        for text in json.loads(array.replace("\\x3c/", "\\u003c/")):  # Robot writes "</" as "\x3c/"
            strings.append(text[1:] if text.startswith("*") else zlib.decompress(base64.b64decode(text)).decode())
    return strings


def readable_texts(output_dir: Path) -> dict[str, str]:
    """``{file: text}`` of a run's results as a reader sees them (HTML strings decoded)."""
    texts = {
        name: (output_dir / name).read_text(encoding="utf-8")
        for name in ("output.xml", "diagnosis.md", "junit.xml", "traceability.md", "traceability.html")
        if (output_dir / name).is_file()
    }
    for name in ("log.html", "report.html"):
        path = output_dir / name
        if path.is_file():
            html = path.read_text(encoding="utf-8")
            texts[name] = html + "\n".join(robot_strings(html))
    return texts


@contextlib.contextmanager
def running_lab(folder: Path, components: list[LabComponent], faults: frozenset[str] = frozenset()) -> Iterator[dict]:
    """Start ``components`` like the lab process does, publish ``lab.env`` and point the suite's config at it."""
    folder.mkdir(parents=True, exist_ok=True)
    context = LabContext(state_dir=folder, faults=faults, published={"LAB_STATE": str(folder)})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FOCUS_LAB_STATE", str(folder))
        started = start_all(components, context)
        try:
            LabState(folder).publish(context.published)
            yield context.published
        finally:
            stop_all(started)


@dataclass(frozen=True)
class Verdict:
    status: str
    message: str
    seconds: float


@dataclass
class SuiteRun:
    verdicts: dict[str, Verdict]
    output_dir: Path
    wall_seconds: float
    lab_secrets: list[str]
    console: str
    return_code: int

    def failing(self) -> set[str]:
        return {key for key, verdict in self.verdicts.items() if verdict.status == "FAIL"}

    def passing(self) -> set[str]:
        return {key for key, verdict in self.verdicts.items() if verdict.status == "PASS"}

    def diagnosis(self) -> str:
        return (self.output_dir / "diagnosis.md").read_text(encoding="utf-8")

    def leaked_secrets(self) -> dict[str, list[str]]:
        """``{where: [secrets of the lab found there]}`` in every result file (HTML strings decoded) and the console."""
        leaks = {}
        for name, text in {**readable_texts(self.output_dir), "console": self.console}.items():
            found = [secret for secret in self.lab_secrets if secret in text]
            if found:
                leaks[name] = found
        return leaks


@dataclass
class Lab:
    """A lab started by ``python -m lab up``; ``env`` points the suite at it."""

    env: dict[str, str]
    published: dict[str, str]

    def secrets(self) -> list[str]:
        return [value for key, value in self.published.items() if is_secret(key)]

    def run_suites(self, output: Path, *robot_args: str, sources: tuple[str, ...] = ("suites",)) -> SuiteRun:
        started = time.monotonic()
        command = [sys.executable, "-m", "robot", "--outputdir", str(output), "--console", "verbose"]
        console = subprocess.run(
            [*command, "--argumentfile", "robot.args", *robot_args, *sources],
            cwd=REPO_ROOT,
            env=self.env,
            check=False,
            capture_output=True,
            text=True,
        )
        wall = time.monotonic() - started
        return SuiteRun(
            verdicts_of(output / "output.xml"),
            output,
            wall,
            self.secrets(),
            console.stdout + console.stderr,
            console.returncode,
        )


@contextlib.contextmanager
def lab_running(work_dir: Path, faults: tuple[str, ...] = ()) -> Iterator[Lab]:
    """Start a lab with ``faults`` in ``work_dir``; it is stopped whatever happens inside."""
    state = work_dir / "lab"
    env = {**os.environ, "FOCUS_LAB_STATE": str(state)}
    lab = [sys.executable, "-m", "lab"]
    fault_args = [arg for fault in faults for arg in ("--fault", fault)]
    subprocess.run([*lab, "up", *fault_args], cwd=REPO_ROOT, env=env, check=True, capture_output=True)
    try:
        published = dict(line.split("=", 1) for line in (state / "lab.env").read_text().splitlines())
        yield Lab(env, published)
    finally:
        subprocess.run([*lab, "down"], cwd=REPO_ROOT, env=env, check=True, capture_output=True)


def run_suites_against_lab(work_dir: Path, faults: tuple[str, ...] = (), *robot_args: str) -> SuiteRun:
    """Start a lab with ``faults``, run every suite once, stop the lab."""
    with lab_running(work_dir, faults) as lab:
        return lab.run_suites(work_dir / "results", *robot_args)


def verdicts_of(output_xml: Path) -> dict[str, Verdict]:
    """``{Jira key: Verdict}`` from an ``output.xml`` (robot's or pabot's merged one)."""
    verdicts = {}
    for test in ExecutionResult(str(output_xml)).suite.all_tests:
        key = case_key(test.tags)
        if key:
            verdicts[key] = Verdict(test.status, test.message, test.elapsed_time.total_seconds())
    return verdicts


@contextlib.contextmanager
def ssh_agent_holding(key_file: str | Path, folder: Path) -> Iterator[None]:
    """A real ``ssh-agent`` holding ``key_file``, its socket in ``SSH_AUTH_SOCK`` for the duration."""
    socket_path = folder / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(socket_path)], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 5
        while not socket_path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("SSH_AUTH_SOCK", str(socket_path))
            subprocess.run(["ssh-add", str(key_file)], check=True, capture_output=True)
            yield
    finally:
        agent.terminate()
        agent.wait()


def hashed_known_hosts(source: str | Path, folder: Path) -> Path:
    """A copy of ``source`` with every host name hashed, as Debian's ``HashKnownHosts yes`` writes it."""
    hashed = folder / "known_hosts_hashed"
    shutil.copyfile(source, hashed)
    subprocess.run(["ssh-keygen", "-H", "-f", str(hashed)], check=True, capture_output=True)
    assert hashed.read_text().startswith("|1|")
    return hashed
