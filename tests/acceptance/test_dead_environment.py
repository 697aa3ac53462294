"""A dead environment gets its verdict in about one timeout, whatever the number of cases, and a sequential run
checks the layers in the spec's dependency order."""

from __future__ import annotations

from robot.api import ExecutionResult

from bench.scenarios import BLACK_HOLED, REFUSED
from keywords.cases import case_key, selected_cases
from tests.helpers import run_suites_against_lab

LAB_TIMEOUT_S = 5.0
#: The spec's run order: PZ-13806 first, PZ-13899 last.
DEPENDENCY_ORDER = ["PZ-13806", "PZ-13898", "PZ-13808", "PZ-13807", "PZ-13900", "PZ-13899"]


def test_every_endpoint_black_holed_costs_one_timeout_and_every_case_names_the_finding(tmp_path):
    run = run_suites_against_lab(tmp_path, BLACK_HOLED)
    assert run.failing() == {case.key for case in selected_cases()}
    for key, verdict in run.verdicts.items():
        assert "not answering: accepted the TCP connection, then sent nothing within 5 s" in verdict.message, key
        assert "blocked: the probe at the start of the run found" in verdict.message, key
        assert verdict.seconds < 1.0, key  # no case waited: the probe did, once for all
    # Hang bound: three layers waited one after another would take three timeouts.
    assert run.wall_seconds < 2 * LAB_TIMEOUT_S + 3
    metadata = ExecutionResult(str(run.output_dir / "output.xml")).suite.metadata["Endpoints at start"]
    assert metadata.count("no answer: accepted the TCP connection, then sent nothing within 5 s") == 3


def test_every_endpoint_refused_has_its_verdict_without_waiting_any_timeout(tmp_path):
    run = run_suites_against_lab(tmp_path, REFUSED)
    assert run.failing() == {case.key for case in selected_cases()}
    for key, verdict in run.verdicts.items():
        assert "connection refused" in verdict.message, key
    assert run.wall_seconds < LAB_TIMEOUT_S  # hang bound: nothing waited for a timeout


def test_a_sequential_run_checks_the_cases_in_the_spec_dependency_order(tmp_path):
    run = run_suites_against_lab(tmp_path, REFUSED)
    executed = [case_key(test.tags) for test in ExecutionResult(str(run.output_dir / "output.xml")).suite.all_tests]
    assert executed == DEPENDENCY_ORDER
