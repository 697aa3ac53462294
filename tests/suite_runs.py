"""Run the Robot suites against a lab (`python -m lab up`, in its own state folder) and read the verdicts."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from robot.api import ExecutionResult

from keywords.diagnosis import JIRA_PREFIX
from lab.state import is_secret

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULT_FILES = ("output.xml", "log.html", "report.html")


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

    def failing(self) -> set[str]:
        return {key for key, verdict in self.verdicts.items() if verdict.status == "FAIL"}

    def leaked_secrets(self) -> dict[str, list[str]]:
        """``{where: [secrets of the lab found there]}`` for output.xml, log.html, report.html and the console."""
        texts = {name: (self.output_dir / name).read_text(encoding="utf-8") for name in RESULT_FILES}
        leaks = {}
        for name, text in {**texts, "console": self.console}.items():
            found = [secret for secret in self.lab_secrets if secret in text]
            if found:
                leaks[name] = found
        return leaks


@dataclass
class Lab:
    """A lab started by ``python -m lab up``; ``env`` points the suite at it."""

    env: dict[str, str]
    published: dict[str, str]

    def run_suites(self, output: Path, *robot_args: str) -> SuiteRun:
        started = time.monotonic()
        command = [sys.executable, "-m", "robot", "--outputdir", str(output), "--console", "verbose", *robot_args]
        console = subprocess.run(
            [*command, "suites"], cwd=REPO_ROOT, env=self.env, check=False, capture_output=True, text=True
        )
        secrets = [value for key, value in self.published.items() if is_secret(key)]
        wall = time.monotonic() - started
        return SuiteRun(verdicts_of(output / "output.xml"), output, wall, secrets, console.stdout + console.stderr)


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
    return {
        tag: Verdict(test.status, test.message, test.elapsed_time.total_seconds())
        for test in ExecutionResult(str(output_xml)).suite.all_tests
        for tag in test.tags
        if tag.startswith(JIRA_PREFIX)
    }
