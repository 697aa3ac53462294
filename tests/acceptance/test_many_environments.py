"""Two sites checked in one go: two labs side by side, one healthy and one with MongoDB down; each environment
gets its own diagnosis and history record, and the run fails naming the broken environment and layer."""

from __future__ import annotations

import os
import subprocess

import pytest
import yaml

from keywords.run.history.store import HistoryStore
from keywords.run.many_environments import environment_names, worst
from tests.helpers import REPO_ROOT, lab_running


def test_many_environments_are_diagnosed_each_and_the_worst_decides(tmp_path):
    environments = yaml.safe_load((REPO_ROOT / "variables" / "environments.yaml").read_text(encoding="utf-8"))
    sites = {}
    with lab_running(tmp_path / "a") as healthy, lab_running(tmp_path / "b", ("mongo-down",)) as broken:
        for name, lab in (("site-a", healthy), ("site-b", broken)):
            sites[name] = {**environments["lab"], "env_file": f"{lab.env['FOCUS_LAB_STATE']}/lab.env"}
        path = tmp_path / "environments.yaml"
        path.write_text(yaml.safe_dump(sites), encoding="utf-8")
        results = tmp_path / "results"
        env = {**os.environ, "FOCUS_ENVIRONMENTS_FILE": str(path), "RESULTS_DIR": str(results)}
        completed = subprocess.run(
            ["./run.sh", "main", "--variable", "ENV:site-a,site-b"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
    assert completed.returncode == 1, completed.stdout[-3000:] + completed.stderr[-2000:]
    assert "site-a: exit code 0" in completed.stdout and "site-b: exit code 1" in completed.stdout
    assert (
        "All 6 infrastructure checks passed (environment site-a)" in (results / "site-a" / "diagnosis.md").read_text()
    )
    broken_diagnosis = (results / "site-b" / "diagnosis.md").read_text()
    assert "**MongoDB TCP/auth problem**" in broken_diagnosis and "site-b" in broken_diagnosis
    for site in sites:
        assert (results / site / "traceability.html").is_file() and (results / site / "junit.xml").is_file()
    stored = HistoryStore(f"sqlite:///{results / 'history.sqlite'}").runs()
    assert sorted((run["environment"], run["exit_code"]) for run in stored) == [("site-a", 0), ("site-b", 1)]


def test_environment_names_are_distinct_and_the_worst_exit_code_wins():
    assert environment_names("staging, new_production") == ["staging", "new_production"]
    with pytest.raises(ValueError, match="distinct names"):
        environment_names("a,,b")
    with pytest.raises(ValueError, match="distinct names"):
        environment_names("a,a")
    assert worst([0, 3, 4]) == 4 and worst([3, 1, 0]) == 1 and worst([0, 0]) == 0
