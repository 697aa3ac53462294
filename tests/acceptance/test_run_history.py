"""Every diagnosed run is remembered, whichever way it ran (plain robot, pabot through ./run.sh main), with the
numbers its cases measured; and the flake check runs the suites N times and tables their agreement."""

from __future__ import annotations

import os
import subprocess

from keywords.run.history.store import HistoryStore
from tests.helpers import FOCUS_INFRA, REPO_ROOT, lab_running


def test_a_plain_robot_run_is_in_the_history_with_its_measurements(tmp_path):
    with lab_running(tmp_path) as lab:
        run = lab.run_suites(tmp_path / "results")
    store = HistoryStore(f"sqlite:///{run.output_dir / 'history.sqlite'}")
    [stored] = store.runs()
    assert (stored["environment"], stored["exit_code"]) == ("lab", 0)
    verdicts = {case["jira_key"]: case["verdict"] for case in store.case_results()}
    assert verdicts == dict.fromkeys(run.verdicts, "PASS")
    names = {(number["jira_key"], number["name"]) for number in store.measurements()}
    assert {("PZ-13808", "mongodb.ping_ms"), ("PZ-13898", "mongodb.query_ms"), ("PZ-13900", "ssh.connect_seconds"),
            ("PZ-13899", "kubernetes.pod_restarts")} <= names  # fmt: skip


def test_the_main_command_with_pabot_keeps_the_history_of_earlier_runs(tmp_path):
    results = tmp_path / "results"
    env = {**os.environ, "FOCUS_LAB_STATE": str(tmp_path / "lab"), "RESULTS_DIR": str(results), "PROCESSES": "2"}
    for faults in ("", "mongo-slow"):
        completed = subprocess.run(
            ["./run.sh", "main"], cwd=REPO_ROOT, env={**env, "LAB_FAULTS": faults}, capture_output=True, text=True
        )
        assert f"Trends: {results / 'trends.html'}" in completed.stdout, completed.stdout[-3000:]
    store = HistoryStore(f"sqlite:///{results / 'history.sqlite'}")
    assert [run["exit_code"] for run in store.runs()] == [0, 1]
    failing = [(case["jira_key"], case["verdict"]) for case in store.case_results() if case["verdict"] != "PASS"]
    assert failing == [("PZ-13808", "FAIL")]


def test_the_flake_check_runs_the_suites_n_times_and_tables_their_agreement(tmp_path):
    with lab_running(tmp_path) as lab:
        completed = subprocess.run(
            [
                FOCUS_INFRA,
                "flake-check",
                "--runs",
                "3",
                "--results",
                str(tmp_path / "flake"),
                "--",
                "--include",
                "component:mongodb",
            ],  # fmt: skip
            cwd=REPO_ROOT,
            env=lab.env,
            capture_output=True,
            text=True,
        )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "| PZ-13806 | PASS 3 | 100% |" in completed.stdout
    assert "flaky" not in completed.stdout
