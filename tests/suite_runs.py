"""Run the Robot suites against a lab (`python -m lab up`, in its own state folder) and read the verdicts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from robot.api import ExecutionResult

REPO_ROOT = Path(__file__).resolve().parent.parent
JIRA_PREFIX = "PZ-"


@dataclass(frozen=True)
class Verdict:
    status: str
    message: str
    seconds: float


@dataclass
class SuiteRun:
    verdicts: dict[str, Verdict]
    output_dir: Path
    lab_env: dict[str, str]
    wall_seconds: float

    def failing(self) -> set[str]:
        return {key for key, verdict in self.verdicts.items() if verdict.status == "FAIL"}


def run_suites_against_lab(
    work_dir: Path, faults: tuple[str, ...] = (), robot_args: tuple[str, ...] = (), diagnose: bool = False
) -> SuiteRun:
    """Start a lab with ``faults``, run every suite, stop the lab; the lab is stopped even if robot fails.

    ``diagnose`` adds the run-level diagnosis (``diagnosis.md`` in the output folder).
    """
    state, output = work_dir / "lab", work_dir / "results"
    env = {**os.environ, "FOCUS_LAB_STATE": str(state)}
    lab = [sys.executable, "-m", "lab"]
    fault_args = [arg for fault in faults for arg in ("--fault", fault)]
    if diagnose:
        robot_args = ("--prerebotmodifier", f"keywords.diagnosis.Diagnosis:{output}", *robot_args)
    subprocess.run([*lab, "up", *fault_args], cwd=REPO_ROOT, env=env, check=True, capture_output=True)
    try:
        lab_env = dict(line.split("=", 1) for line in (state / "lab.env").read_text().splitlines())
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "robot", "--outputdir", str(output), "--console", "none", *robot_args, "suites"],
            cwd=REPO_ROOT,
            env=env,
            check=False,
        )
        wall = time.monotonic() - started
    finally:
        subprocess.run([*lab, "down"], cwd=REPO_ROOT, env=env, check=True, capture_output=True)
    return SuiteRun(verdicts_of(output / "output.xml"), output, lab_env, wall)


def verdicts_of(output_xml: Path) -> dict[str, Verdict]:
    """``{Jira key: Verdict}`` from an ``output.xml`` (robot's or pabot's merged one)."""
    verdicts = {}

    def visit(suite) -> None:
        for test in suite.tests:
            for tag in test.tags:
                if tag.startswith(JIRA_PREFIX):
                    verdicts[tag] = Verdict(test.status, test.message, test.elapsed_time.total_seconds())
        for child in suite.suites:
            visit(child)

    visit(ExecutionResult(str(output_xml)).suite)
    return verdicts
