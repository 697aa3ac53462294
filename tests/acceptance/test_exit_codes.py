"""The main command's exit code, end to end through `./run.sh main` (the lab, robot or pabot, the diagnosis), as a
pipeline reads it: 0 passed, 1 the infrastructure is broken, 3 a case was not checked, 2 robot refused the options.
A lab that refuses to start leaves every case not run (4); a killed robot or pabot worker (4) is proven in
test_killed_worker.py."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from keywords.config.environments import FILE_VARIABLE
from keywords.run.verdicts import EXIT_INFRASTRUCTURE_FAILED, EXIT_NOT_CHECKED, EXIT_NOT_RUN, EXIT_PASSED
from tests.helpers import REPO_ROOT, environments_with_unusable

#: A hang bound for one main run: a cold lab start, every case, the report; never a measurement.
MAIN_BOUND_S = 300


def run_main(tmp_path: Path, processes: int, faults: str = "", extra_env: dict | None = None, *args: str):
    env = {
        **os.environ,
        "FOCUS_LAB_STATE": str(tmp_path / "lab"),
        "RESULTS_DIR": str(tmp_path / "results"),
        "PROCESSES": str(processes),
        "LAB_FAULTS": faults,
        **(extra_env or {}),
    }
    return subprocess.run(
        ["./run.sh", "main", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=MAIN_BOUND_S,
        check=False,
    )


def diagnosis(tmp_path: Path) -> str:
    return (tmp_path / "results" / "diagnosis.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("processes", [1, 3], ids=["robot", "pabot"])
def test_a_healthy_lab_exits_0(tmp_path, processes):
    done = run_main(tmp_path, processes)
    assert done.returncode == EXIT_PASSED, done.stdout + done.stderr
    assert diagnosis(tmp_path) == "All 6 infrastructure checks passed (environment lab).\n"


@pytest.mark.parametrize(
    ("processes", "form"), [(1, ["-icritical"]), (3, ["--incl", "critical"])], ids=["robot", "pabot"]
)
def test_robots_short_forms_select_what_robot_ran_and_nothing_is_not_run(tmp_path, processes, form):
    done = run_main(tmp_path, processes, "", None, *form)
    assert done.returncode == EXIT_PASSED, done.stdout + done.stderr
    assert diagnosis(tmp_path) == "All 2 infrastructure checks passed (environment lab).\n"


@pytest.mark.parametrize("processes", [1, 3], ids=["robot", "pabot"])
def test_a_broken_layer_beside_an_unusable_setting_exits_1(tmp_path, processes):
    unusable = environments_with_unusable("ssh.jump_host.password", tmp_path)
    done = run_main(tmp_path, processes, "mongo-down", {FILE_VARIABLE: str(unusable)})
    assert done.returncode == EXIT_INFRASTRUCTURE_FAILED, done.stdout + done.stderr
    assert "| PZ-13806 | MongoDB Accepts A Direct Connection And Authenticates The Application User | " in (
        diagnosis(tmp_path)
    )
    assert "- PZ-13806, PZ-13807, PZ-13808, PZ-13898 failed" not in diagnosis(tmp_path)  # one line per rule
    assert "- PZ-13806 failed → **MongoDB TCP/auth problem**" in diagnosis(tmp_path)
    assert "- PZ-13900 not checked → **the run's settings for this environment are unusable**" in diagnosis(tmp_path)


def test_faults_listed_with_a_comma_as_lab_env_lists_them_are_each_applied(tmp_path):
    done = run_main(tmp_path, 1, "mongo-down,ssh-wrong-password")
    assert done.returncode == EXIT_INFRASTRUCTURE_FAILED, done.stdout + done.stderr
    assert "- PZ-13806 failed → **MongoDB TCP/auth problem**" in diagnosis(tmp_path)
    assert "- PZ-13900 failed → **SSH access problem**" in diagnosis(tmp_path)


@pytest.mark.parametrize("processes", [1, 3], ids=["robot", "pabot"])
def test_an_unusable_setting_alone_exits_3(tmp_path, processes):
    unusable = environments_with_unusable("kubernetes.token", tmp_path)
    done = run_main(tmp_path, processes, "", {FILE_VARIABLE: str(unusable)})
    assert done.returncode == EXIT_NOT_CHECKED, done.stdout + done.stderr
    assert "- PZ-13899 not checked → **the run's settings for this environment are unusable**" in diagnosis(tmp_path)
    assert "failed →" not in diagnosis(tmp_path)


def test_a_lab_that_refuses_to_start_leaves_every_case_not_run_and_the_console_says_why(tmp_path):
    done = run_main(tmp_path, 1, "no-such-fault")
    assert done.returncode == EXIT_NOT_RUN, done.stdout + done.stderr
    assert done.stderr.startswith("unknown fault(s) ['no-such-fault']; known: ["), done.stderr
    assert (
        "not run → **no result**: selected for this run but missing from its output (a killed worker, a crashed "
        "suite, or a run that stopped before its tests: the run's console says which)" in diagnosis(tmp_path)
    )


@pytest.mark.parametrize("processes", [1, 3], ids=["robot", "pabot"])
def test_options_robot_refuses_exit_2_without_starting_a_check(tmp_path, processes):
    done = run_main(tmp_path, processes, "", None, "--no-such-option")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "option --nosuchoption not recognized" in done.stdout + done.stderr  # robot's own words
