"""The main command when a pabot worker, or the one robot process, dies mid-run: the cases without a result are named
NOT RUN everywhere a reader looks, and the run fails (SIGKILL is what an OOM killer or a node eviction does)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from robot.api import ExecutionResult

from keywords.run.cases import case_key
from tests.helpers import REPO_ROOT, readable_texts

#: The black-holed jump host keeps PZ-13900's worker in the probe at its start for the 5 s timeout: time to find and
#: kill it. The other workers probe only their own layers' endpoints, so they pass: the run's verdict is NOT RUN's.
KILLED, WORKER_FAULT = "PZ-13900", "ssh-jump-unresponsive"
#: The black-holed MongoDB keeps the one robot process in the probe for the 5 s timeout.
SEQUENTIAL_FAULT = "mongo-unresponsive"


def process_running(matches: Callable[[list[bytes]], bool], what: str, deadline_s: float = 60.0) -> int:
    """The pid of the first process whose command line ``matches``, waiting up to ``deadline_s`` for it."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        for proc in Path("/proc").iterdir():
            try:
                command = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:  # not a process, or it ended meanwhile
                continue
            if matches(command):
                return int(proc.name)
        time.sleep(0.05)
    raise AssertionError(f"no {what} started within {deadline_s:g} s")


def worker_running(results: Path, key: str) -> int:
    """The pid of the `robot` worker pabot started for the suite of ``key``."""

    def runs_key(command: list[bytes]) -> bool:  # pabot starts each worker as `robot -A <its argument file>`
        argfile = next((Path(part.decode()) for part in command if part.endswith(b"/robot_argfile.txt")), None)
        return argfile is not None and argfile.is_relative_to(results) and key in argfile.read_text(encoding="utf-8")

    return process_running(runs_key, f"pabot worker for {key}")


def test_a_killed_worker_leaves_its_case_not_run_in_diagnosis_report_and_console_and_fails_the_run(tmp_path):
    results = tmp_path / "results"
    env = {
        **os.environ,
        "FOCUS_LAB_STATE": str(tmp_path / "lab"),
        "LAB_FAULTS": WORKER_FAULT,
        "RESULTS_DIR": str(results),
        "PROCESSES": "4",
    }
    main = subprocess.Popen(
        ["./run.sh", "main"], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        os.kill(worker_running(results, KILLED), signal.SIGKILL)
        console, _ = main.communicate(timeout=300)
    finally:
        main.kill()

    assert main.returncode == 4, console  # not pabot's own code: the diagnosis's verdict
    diagnosis = (results / "diagnosis.md").read_text(encoding="utf-8")
    assert f"- {KILLED} not run → **no result**" in diagnosis
    assert f"- {KILLED} not run → **no result**" in console
    suite = ExecutionResult(str(results / "output.xml")).suite
    assert f"- {KILLED} not run → *no result*" in suite.metadata["Diagnosis"]
    assert f"<li>{KILLED} not run → <b>no result</b>" in readable_texts(results)["report.html"]
    killed = [test for test in suite.all_tests if KILLED in test.tags]
    assert [(test.status, test.message.split(":")[0]) for test in killed] == [("FAIL", "Not run")]
    # The workers that were not killed still report their own verdicts.
    others = {case_key(test.tags): test.status for test in suite.all_tests if KILLED not in test.tags}
    assert others == dict.fromkeys(["PZ-13806", "PZ-13807", "PZ-13808", "PZ-13898", "PZ-13899"], "PASS")


def robot_running(results: Path) -> int:
    """The pid of the one ``robot`` process writing into ``results``."""
    return process_running(
        lambda command: any(part.endswith(b"/robot") for part in command[:2]) and str(results).encode() in command,
        f"robot process for {results}",
    )


def test_a_killed_sequential_run_names_every_case_not_run_and_fails_the_run(tmp_path):
    results = tmp_path / "results"
    env = {
        **os.environ,
        "FOCUS_LAB_STATE": str(tmp_path / "lab"),
        "LAB_FAULTS": SEQUENTIAL_FAULT,
        "RESULTS_DIR": str(results),
    }
    main = subprocess.Popen(
        ["./run.sh", "main"], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        os.kill(robot_running(results), signal.SIGKILL)
        console, _ = main.communicate(timeout=300)
    finally:
        main.kill()

    assert main.returncode == 4, console
    assert "cannot be read" in console and "every selected case without a result is NOT RUN" in console
    suite = ExecutionResult(str(results / "output.xml")).suite
    assert {test.status for test in suite.all_tests} == {"FAIL"}
    assert {test.message.split(":")[0] for test in suite.all_tests} == {"Not run"}
    assert len(list(suite.all_tests)) == 6
    assert "not run → <b>no result</b>" in readable_texts(results)["report.html"]
