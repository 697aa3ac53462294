"""Every lab fault fails exactly the Jira cases the matrix names, with a message naming layer and cause."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from robot.api import ExecutionResult

from keywords.cases import selected_cases
from keywords.evidence import evidence_by_case
from lab.faults import fault_table
from tests.helpers import run_suites_against_lab

MATRIX = yaml.safe_load(Path(__file__).with_name("fault_matrix.yaml").read_text(encoding="utf-8"))
#: No hang: a test may take its largest configured timeout (10 s, the Focus Server configuration's default;
#: the lab environment sets 5 s) plus 5 s. A refused port is reported at once.
TEST_BOUND_S = 10.0 + 5.0


CASES = {case.key for case in selected_cases()}


def test_matrix_covers_every_lab_fault_and_names_only_cases_of_the_suites():
    assert set(MATRIX) == set(fault_table())
    assert {key for fault in MATRIX.values() for key in fault["fails"]} <= CASES


@pytest.mark.parametrize("fault", sorted(MATRIX))
def test_fault_fails_only_the_expected_cases_with_a_telling_message(tmp_path, fault):
    run = run_suites_against_lab(tmp_path, (fault,))
    expected = MATRIX[fault]["fails"]
    assert run.failing() == set(expected), {key: v.message for key, v in run.verdicts.items()}
    assert run.passing() == CASES - set(expected)  # every other case ran and stayed healthy
    for key, pattern in expected.items():
        message = run.verdicts[key].message
        assert re.search(pattern, message, re.DOTALL), f"{key}: {message!r} does not match {pattern!r}"
    assert run.leaked_secrets() == {}
    slow = {key: verdict.seconds for key, verdict in run.verdicts.items() if verdict.seconds > TEST_BOUND_S}
    assert slow == {}
    assert f"**{MATRIX[fault]['diagnosis']}" in run.diagnosis()
    for key, checks in MATRIX[fault].get("still_passed", {}).items():
        statuses = keyword_statuses(run.output_dir / "output.xml", key)
        assert {check: statuses.get(check) for check in checks} == dict.fromkeys(checks, "PASS"), key
    collected = evidence_by_case(ExecutionResult(str(run.output_dir / "output.xml")).suite)
    for key, patterns in MATRIX[fault].get("evidence", {}).items():
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


def test_closed_mongodb_port_fails_the_foundation_case_within_two_seconds(tmp_path):
    run = run_suites_against_lab(tmp_path, ("mongo-down",), "--include", "PZ-13806")
    assert run.verdicts["PZ-13806"].status == "FAIL"
    assert "connection refused" in run.verdicts["PZ-13806"].message
    assert run.verdicts["PZ-13806"].seconds < 2.0


def test_ssh_and_kubernetes_down_together_are_diagnosed_as_infrastructure_down(tmp_path):
    run = run_suites_against_lab(tmp_path, ("ssh-jump-down", "k8s-api-down"))
    assert run.failing() == {"PZ-13899", "PZ-13900"}
    diagnosis = (tmp_path / "results" / "diagnosis.md").read_text(encoding="utf-8")
    assert "PZ-13900, PZ-13899 failed → **infrastructure down**: check SSH and the Kubernetes cluster." in diagnosis
