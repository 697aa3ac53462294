"""The example cases (examples/) QA wrote with the project's keywords only: healthy they pass; each lab fault fails
exactly the examples its row names, with a first line naming layer, target and cause, and no secret in any output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from robot.api import ExecutionResult
from robot.api import TestSuiteBuilder as SuiteBuilder  # not "Test*": pytest would collect it

from keywords.run.cases import case_key
from lab.faults import fault_table
from tests.helpers import REPO_ROOT, lab_running

MATRIX = yaml.safe_load(Path(__file__).with_name("examples_matrix.yaml").read_text(encoding="utf-8"))
#: Faults whose Jira verdicts the fault matrix checks; under the others every Jira case must pass.
JIRA_FAULTS = set(yaml.safe_load(Path(__file__).with_name("fault_matrix.yaml").read_text(encoding="utf-8")))
#: A hang bound, not a measurement: the waits end at the lab's kubernetes.wait_timeout_s, the rest at once.
TEST_BOUND_S = 30.0


def example_names() -> set[str]:
    return {test.name for test in SuiteBuilder().build(str(REPO_ROOT / "examples")).all_tests}


def test_every_failing_example_named_in_the_matrix_exists_and_every_fault_is_in_a_matrix():
    named = {test for row in MATRIX.values() for test in row}
    assert named <= example_names()
    assert set(fault_table()) <= JIRA_FAULTS | set(MATRIX)


def test_examples_hold_no_python_and_no_sleep():
    """The point of the examples: a QA engineer wrote them from the keywords alone."""
    text = "\n".join(path.read_text(encoding="utf-8") for path in (REPO_ROOT / "examples").glob("*.robot"))
    assert not re.search(r"\b(Evaluate|Sleep|Run Keyword And Return Status)\b|\$\{\{", text)


@pytest.mark.parametrize("fault", sorted(MATRIX))
def test_examples_fail_only_under_their_fault_with_a_telling_first_line(tmp_path, fault):
    expected = MATRIX[fault]
    with lab_running(tmp_path, () if fault == "healthy" else (fault,)) as lab:
        # The Jira suites beside the examples, in one run: a fault of the examples must not change their verdicts.
        run = lab.run_suites(tmp_path / "results", sources=("suites", "examples"))
        secrets = lab.secrets()
    every_test = ExecutionResult(str(run.output_dir / "output.xml")).suite.all_tests
    tests = {test.name: test for test in every_test if not case_key(test.tags)}
    if fault not in JIRA_FAULTS:
        assert set(run.failing()) == set(), "\n" + run.messages()
        assert len(run.passing()) == 6
    assert set(tests) == example_names()
    statuses = {name: test.status for name, test in tests.items()}
    said = "\n".join(f"{name} {test.status}: {test.message}" for name, test in sorted(tests.items()))
    assert statuses == {name: "FAIL" if name in expected else "PASS" for name in tests}, "\n" + said
    for name, pattern in expected.items():
        first_line = tests[name].message.splitlines()[0]
        assert re.search(pattern, tests[name].message, re.DOTALL), f"{name}: {first_line!r} vs {pattern!r}"
        assert first_line.startswith(("Kubernetes API ", "MongoDB ", "SSH ", "SSH: ")), first_line
    slow = {name: test.elapsed_time.total_seconds() for name, test in tests.items()}
    assert {name: seconds for name, seconds in slow.items() if seconds > TEST_BOUND_S} == {}
    assert run.leaked_secrets() == {}
    assert secrets
