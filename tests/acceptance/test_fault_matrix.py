"""Every lab fault fails exactly the Jira cases the matrix names, with a message naming layer and cause; a fault
together with an unusable setting of another layer still fails its own layer (problems come together)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from robot.api import ExecutionResult

from keywords.common.evidence import evidence_by_case
from keywords.config.environments import FILE_VARIABLE
from keywords.run.cases import selected_cases
from keywords.run.options import run_options
from keywords.run.verdicts import EXIT_INFRASTRUCTURE_FAILED, outcome_of
from lab.faults import fault_table
from tests.helpers import FOCUS_INFRA, REPO_ROOT, Lab, environments_with_unusable, lab_running, run_suites_against_lab

MATRIX = yaml.safe_load(Path(__file__).with_name("fault_matrix.yaml").read_text(encoding="utf-8"))
#: Rows of one lab fault each, named for it; the others combine faults with an unusable setting (`faults:`).
SINGLE = sorted(name for name, row in MATRIX.items() if "faults" not in row)
MIXED = sorted(name for name, row in MATRIX.items() if "faults" in row)
#: No hang: a test may take its largest configured timeout (10 s, the Focus Server configuration's default;
#: the lab environment sets 5 s) plus 5 s. A refused port is reported at once.
TEST_BOUND_S = 10.0 + 5.0
#: ``<<NAME>>`` in a pattern: the lab's published value of NAME (or one read from what the lab wrote), escaped.
LAB_VALUE = re.compile(r"<<(\w+)>>")


CASES = {case.key for case in selected_cases()}


def test_matrix_covers_every_lab_fault_and_names_only_cases_of_the_suites():
    # The faults that break only example cases have their row in examples_matrix.yaml (test_examples_against_lab).
    assert set(SINGLE) <= set(fault_table())
    assert {fault for name in MIXED for fault in MATRIX[name]["faults"]} <= set(fault_table())
    named = {key for row in MATRIX.values() for key in [*row["fails"], *row.get("not_checked", {})]}
    assert named <= CASES


def lab_values(lab: Lab) -> dict[str, str]:
    """What the lab published, and the MongoDB port the Focus Server's own configuration names."""
    config = Path(lab.published["LAB_STATE"]) / "focus-server" / "environments.yaml"
    focus_port = yaml.safe_load(config.read_text(encoding="utf-8"))["lab"]["mongodb"]["port"]
    return {**lab.published, "FOCUS_SERVER_MONGO_PORT": str(focus_port)}


def pinned(pattern: str, values: dict[str, str]) -> str:
    return LAB_VALUE.sub(lambda match: re.escape(values[match.group(1)]), pattern)


def run_exit_code(output_dir: Path, sources: list[str], robot_args: list[str]) -> int:
    """The run's verdict as `run.sh main` gives it (`focus-infra report`)."""
    report = [FOCUS_INFRA, "report", str(output_dir / "output.xml"), "--keep-diagnosed"]
    done = subprocess.run(
        [*report, *[f"--source={source}" for source in sources], "--", "--argumentfile", "robot.args", *robot_args],
        cwd=REPO_ROOT,
        check=False,
        capture_output=True,
    )
    return done.returncode


@pytest.mark.parametrize("name", SINGLE + MIXED)
def test_fault_fails_only_the_expected_cases_with_a_telling_message(tmp_path, name):
    row = MATRIX[name]
    robot_args, sources = list(row.get("robot_args", [])), list(row.get("sources", ["suites"]))
    with lab_running(tmp_path, tuple(row.get("faults", [name]))) as lab:
        values = lab_values(lab)
        if "unusable" in row:
            variant = environments_with_unusable(row["unusable"], tmp_path)
            lab = Lab({**lab.env, FILE_VARIABLE: str(variant)}, lab.published)
        run = lab.run_suites(tmp_path / "results", *robot_args, sources=tuple(sources))
    tests = ExecutionResult(str(run.output_dir / "output.xml")).suite.all_tests
    statuses = {outcome.case.key: outcome.status for outcome in map(outcome_of, tests)}
    expected = {**dict.fromkeys(row["fails"], "FAIL"), **dict.fromkeys(row.get("not_checked", {}), "NOT CHECKED")}
    options = run_options(["--argumentfile", str(REPO_ROOT / "robot.args"), *robot_args])
    selected = {case.key for case in selected_cases([REPO_ROOT / source for source in sources], options.include)}
    others = dict.fromkeys(selected - set(expected), "PASS")  # every other case ran and stayed healthy
    assert statuses == {**others, **expected}, "\n" + run.messages()
    for key, pattern in {**row["fails"], **row.get("not_checked", {})}.items():
        message, pattern = run.verdicts[key].message, pinned(pattern, values)
        assert re.search(pattern, message, re.DOTALL), f"{key}: {message!r} does not match {pattern!r}"
    assert run.leaked_secrets() == {}
    slow = {key: verdict.seconds for key, verdict in run.verdicts.items() if verdict.seconds > TEST_BOUND_S}
    assert slow == {}
    assert f"**{row['diagnosis']}" in run.diagnosis()
    assert run_exit_code(run.output_dir, sources, robot_args) == EXIT_INFRASTRUCTURE_FAILED
    for key, checks in row.get("still_passed", {}).items():
        statuses = keyword_statuses(run.output_dir / "output.xml", key)
        assert {check: statuses.get(check) for check in checks} == dict.fromkeys(checks, "PASS"), key
    collected = evidence_by_case(ExecutionResult(str(run.output_dir / "output.xml")).suite)
    for key, patterns in row.get("evidence", {}).items():
        blocks = [block.text() for block in collected.get(key, [])]
        for pattern in patterns:
            assert any(re.search(pattern, block, re.MULTILINE) for block in blocks), (key, pattern, blocks)
        assert f"### {key} evidence: " in run.diagnosis()


def keyword_statuses(output_xml, key: str) -> dict[str, str]:
    """``{keyword name: status}`` of every keyword the test of ``key`` ran, at any depth."""
    (test,) = [test for test in ExecutionResult(str(output_xml)).suite.all_tests if key in test.tags]
    statuses, stack = {}, list(test.body)
    while stack:
        item = stack.pop()
        if item.type == "KEYWORD":
            statuses[item.name] = item.status
        stack.extend(getattr(item, "body", ()))
    return statuses


def test_closed_mongodb_port_fails_the_foundation_case_as_refused_by_the_tcp_probe(tmp_path):
    run = run_suites_against_lab(tmp_path, ("mongo-down",), "--include", "PZ-13806")
    assert run.verdicts["PZ-13806"].status == "FAIL"
    # "during connect": the library's TCP probe, before any client could wait out the server selection timeout.
    pattern = r"^MongoDB network failure at 127\.0\.0\.1:\d+ during connect: connection refused$"
    assert re.match(pattern, run.verdicts["PZ-13806"].message), run.verdicts["PZ-13806"].message
    assert run.verdicts["PZ-13806"].seconds < TEST_BOUND_S  # a hang bound, not a measurement (bench/ times it)


def test_ssh_and_kubernetes_down_together_are_diagnosed_as_infrastructure_down(tmp_path):
    run = run_suites_against_lab(tmp_path, ("ssh-jump-down", "k8s-api-down"))
    assert run.failing() == {"PZ-13899", "PZ-13900"}
    diagnosis = (tmp_path / "results" / "diagnosis.md").read_text(encoding="utf-8")
    assert "PZ-13900, PZ-13899 failed → **infrastructure down**: check SSH and the Kubernetes cluster." in diagnosis
