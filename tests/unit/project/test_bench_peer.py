"""The benchmark's project / peer / floor comparison: its goals are evaluated from what one run measured (and
"not measured" otherwise), its table shows the ratios, the peer suite parses into the same six Jira cases, and the
product never imports the peer's libraries."""

from __future__ import annotations

import re

import pytest
from robot import run
from robot.api import ExecutionResult

from bench.goals import WARM_MAIN, evaluate
from bench.scenarios import PEER_SUITE, lab_environment, parse_floor_output
from bench.table import render
from tests.helpers import REPO_ROOT


def timing(name: str, median: float) -> dict:
    return {"name": name, "command": "x", "median": median, "mean": median, "stddev": 0.01, "minimum": median - 0.1,
            "maximum": median + 0.1, "runs": 3}  # fmt: skip


MACHINE = {"cpus": 2, "cpu": "Test CPU", "memory_gib": 24.0, "load_average_1m_at_start": 0.5, "python": "3.11",
           "robot_framework": "7.5", "hyperfine": "hyperfine 1.15.0"}  # fmt: skip


def peer_scenario(project: float, peer: float, floor: float, pz_13899: float = 0.07) -> dict:
    cases = {"PZ-13806": 0.05, "PZ-13900": 0.8, "PZ-13899": pz_13899}
    return {
        "runs": [
            timing("project: robot, sequential", project),
            timing("peer: robot (SSHLibrary, KubeLibrary, robotframework-mongodb)", peer),
            timing("floor: python, raw clients", floor),
        ],
        "project": {"suite_seconds": project - 0.6, "tests_seconds": sum(cases.values()), "case_seconds": cases},
        "peer": {"suite_seconds": peer - 0.9, "tests_seconds": 2.0, "case_seconds": {**cases, "PZ-13900": 1.7}},
        "floor": {"case_seconds": {"PZ-13806": 0.02, "PZ-13900": 0.64, "PZ-13899": 0.03}},
    }


REFUSED = "refused everywhere: verdict ≤ 3 s (robot, the default runner)"
BLACK_HOLED = "black-holed everywhere: verdict ≤ timeout + 3 s (robot, the default runner)"


def goals_by_name(scenarios: dict) -> dict[str, tuple[str, bool | None]]:
    return {goal.goal: (goal.measured, goal.met) for goal in evaluate(scenarios)}


def test_the_goals_are_met_when_the_numbers_are_within_them():
    scenarios = {
        "peer": peer_scenario(project=2.5, peer=4.0, floor=1.2, pz_13899=0.10),
        "healthy": {"runners": [timing("robot, sequential", 2.5)], "main": [timing(WARM_MAIN, 2.9)]},
        "dead": {
            "runs": [
                timing("refused, lab timeouts (5 s), robot", 0.97),
                timing("black-holed, lab timeouts (5 s), pabot 6", 7.4),
                timing("black-holed, default timeouts (10 s), robot", 10.9),
            ]
        },
    }
    goals = goals_by_name(scenarios)
    assert goals["sequential robot, healthy ≤ 0.7× the peer"] == ("2.50 s vs 4.00 s: 0.62×", True)
    assert goals["sequential robot, healthy, within 1.5 s of the floor"] == ("2.50 s − 1.20 s = 1.30 s", True)
    assert goals["PZ-13899 test time ≤ 0.15 s"][1] is True
    assert goals["warm ./run.sh main, real control plane, ≤ 2.0× sequential robot"] == ("2.90 s vs 2.50 s: 1.16×", True)
    assert goals["./run.sh main against a running environment ≤ 1.2× sequential robot"][1] is True
    assert goals[REFUSED] == ("at most 0.97 s (refused, lab timeouts (5 s), robot)", True)
    measured, met = goals[BLACK_HOLED]
    assert met is True
    assert measured == "at most timeout + 0.90 s (black-holed, default timeouts (10 s), robot)"  # pabot not gated


def test_a_goal_just_outside_its_bound_is_not_met():
    scenarios = {
        "peer": peer_scenario(project=2.93, peer=4.0, floor=1.19, pz_13899=0.16),
        "healthy": {"runners": [timing("robot, sequential", 2.0)], "main": [timing(WARM_MAIN, 4.1)]},
        "dead": {
            "runs": [
                timing("refused, lab timeouts (5 s), robot", 3.1),
                timing("black-holed, default timeouts (10 s), robot", 13.2),
            ]
        },
    }
    goals = goals_by_name(scenarios)
    assert goals["sequential robot, healthy ≤ 0.7× the peer"] == ("2.93 s vs 4.00 s: 0.73×", False)
    assert goals["sequential robot, healthy, within 1.5 s of the floor"] == ("2.93 s − 1.19 s = 1.74 s", False)
    assert goals["PZ-13899 test time ≤ 0.15 s"][1] is False
    assert goals["warm ./run.sh main, real control plane, ≤ 2.0× sequential robot"][1] is False
    assert goals["./run.sh main against a running environment ≤ 1.2× sequential robot"][1] is False
    assert goals[REFUSED][1] is False
    assert goals[BLACK_HOLED][1] is False


def test_a_goal_whose_input_was_not_measured_says_so_and_never_shows_a_number():
    goals = evaluate({"overhead": {}})
    assert [goal.verdict for goal in goals] == ["not measured"] * len(goals)
    assert {goal.measured for goal in goals} == {"not measured"}
    only_peer = goals_by_name({"peer": peer_scenario(project=2.5, peer=4.0, floor=1.2)})
    assert only_peer["warm ./run.sh main, real control plane, ≤ 2.0× sequential robot"] == ("not measured", None)
    assert only_peer["./run.sh main against a running environment ≤ 1.2× sequential robot"][1] is None


def test_the_table_shows_project_peer_and_floor_with_ratios_and_the_goals():
    table = render({"machine": MACHINE, "scenarios": {"peer": peer_scenario(project=2.5, peer=4.0, floor=1.25)}})
    assert "### Project, peer and floor" in table
    assert "| floor: python, raw clients | 1.25 s | 0.01 | 1.15 … 1.35 | 3 |" in table
    assert "| wall time (median) | 2.50 s | 4.00 s | 1.25 s |" in table
    assert "| ÷ peer | 0.62× | 1.00× | 0.31× |" in table
    assert "| ÷ floor | 2.00× | 3.20× | 1.00× |" in table
    assert "| − floor | 1.25 s | 2.75 s | 0.00 s |" in table
    assert "| PZ-13900 | 0.800 s | 1.700 s | 0.640 s |" in table
    assert "| PZ-13806 | 0.050 s | 0.050 s | 0.020 s |" in table
    assert "Project's run (2.50 s): start-up and output 0.60 s, suite overhead" in table
    assert "| sequential robot, healthy ≤ 0.7× the peer | 2.50 s vs 4.00 s: 0.62× | yes |" in table
    assert f"| {REFUSED} | not measured | not measured |" in table


def test_a_case_the_floor_did_not_report_shows_not_measured():
    scenario = peer_scenario(project=2.5, peer=4.0, floor=1.25)
    scenario["floor"] = {"case_seconds": {}}
    table = render({"machine": MACHINE, "scenarios": {"peer": scenario}})
    assert "| PZ-13899 | 0.070 s | 0.070 s | not measured |" in table


def test_the_floor_output_gives_each_passed_case_its_seconds():
    output = "PZ-13806 PASS 0.023 s\nwarning: something\nPZ-13900 PASS 0.718 s\n"
    assert parse_floor_output(output) == {"PZ-13806": 0.023, "PZ-13900": 0.718}


def test_the_lab_environment_unquotes_the_published_values(tmp_path):
    (tmp_path / "lab.env").write_text("LAB_MONGO_PORT=33915\nLAB_K8S_KIND='kube-apiserver with etcd'\n")
    assert lab_environment(tmp_path) == {"LAB_MONGO_PORT": "33915", "LAB_K8S_KIND": "kube-apiserver with etcd"}


def jira_keys(output) -> list[str]:
    suite = ExecutionResult(str(output)).suite
    return sorted(tag for test in suite.all_tests for tag in test.tags if re.fullmatch(r"PZ-\d+", tag))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # SSHLibrary 3.8 still calls robot.utils' is_string & co.
def test_the_peer_suite_parses_into_the_same_six_jira_cases(tmp_path, monkeypatch):
    state = tmp_path / "lab"
    (state / "focus-server").mkdir(parents=True)
    (state / "focus-server" / "environments.yaml").write_text("lab: {mongodb: {host: 127.0.0.1}}\n")
    for name in ("MONGO_PORT", "MONGO_PASSWORD", "K8S_API", "K8S_TOKEN", "K8S_CA", "SSH_JUMP_HOST", "SSH_JUMP_PORT",
                 "SSH_JUMP_PASSWORD", "SSH_TARGET_HOST", "SSH_TARGET_PORT", "SSH_TARGET_PASSWORD"):  # fmt: skip
        monkeypatch.setenv(f"LAB_{name}", "1")
    monkeypatch.setenv("LAB_STATE", str(state))
    monkeypatch.setenv("INIT_FOR_LIBDOC_ONLY", "1")  # KubeLibrary then loads no configuration
    options = {"dryrun": True, "report": None, "log": None, "stdout": None, "stderr": None}
    assert run(str(REPO_ROOT / PEER_SUITE), outputdir=str(tmp_path / "peer"), output="output.xml", **options) == 0
    suites = run(str(REPO_ROOT / "suites"), outputdir=str(tmp_path / "suites"), output="output.xml", **options)
    assert suites == 0
    peer_keys = jira_keys(tmp_path / "peer" / "output.xml")
    assert len(peer_keys) == 6
    assert peer_keys == jira_keys(tmp_path / "suites" / "output.xml")


PEER_LIBRARIES = ("SSHLibrary", "KubeLibrary", "MongoDBLibrary")


@pytest.mark.parametrize("folder", ["keywords", "resources", "suites"])
def test_the_product_never_imports_the_peer_libraries(folder):
    names = "|".join(PEER_LIBRARIES)
    python = re.compile(rf"^\s*(from|import)\s+({names})\b", re.MULTILINE)
    robot = re.compile(rf"^(Library|\s+Import Library)\s+({names})\b", re.MULTILINE)
    for path in (REPO_ROOT / folder).rglob("*"):
        if path.suffix == ".py":
            assert not python.search(path.read_text(encoding="utf-8")), path
        elif path.suffix in (".robot", ".resource"):
            assert not robot.search(path.read_text(encoding="utf-8")), path
