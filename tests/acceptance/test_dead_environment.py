"""A dead environment's timeout is waited for once, by the probe that asks every endpoint at the start of the run (all
at once), never again by a case; and a sequential run checks the layers in the spec's dependency order.

How long a dead environment takes to its verdict is measured by the benchmark (``bench.scenarios.dead_environment``),
not here: these tests bound only hangs."""

from __future__ import annotations

from robot.api import ExecutionResult

from bench.scenarios import BLACK_HOLED, REFUSED
from keywords.run.cases import case_key, selected_cases
from tests.helpers import run_suites_against_lab

LAB_TIMEOUT_S = 5.0
#: Hang bounds, not measurements: a case may take 3 lab timeouts, the whole run (robot's start-up, the probe, six
#: cases, the output) 6. Neither is the point of a test; the messages are (the probe's parallelism:
#: tests/unit/common/test_endpoint_probe.py).
CASE_HANG_BOUND_S = 3 * LAB_TIMEOUT_S
RUN_HANG_BOUND_S = 6 * LAB_TIMEOUT_S
#: The spec's run order: PZ-13806 first, PZ-13899 last.
DEPENDENCY_ORDER = ["PZ-13806", "PZ-13898", "PZ-13808", "PZ-13807", "PZ-13900", "PZ-13899"]


def test_every_endpoint_black_holed_is_waited_for_only_by_the_probe_and_every_case_names_the_finding(tmp_path):
    run = run_suites_against_lab(tmp_path, BLACK_HOLED)
    assert run.failing() == {case.key for case in selected_cases()}
    for key, verdict in run.verdicts.items():
        assert "not answering: accepted the TCP connection, then sent nothing within 5 s" in verdict.message, key
        # No case waited: each failed on the probe's finding, before connecting (the probe waited, once for all).
        assert "blocked: the probe at the start of the run found" in verdict.message, key
        assert verdict.seconds < CASE_HANG_BOUND_S, key
    assert run.wall_seconds < RUN_HANG_BOUND_S
    metadata = ExecutionResult(str(run.output_dir / "output.xml")).suite.metadata["Endpoints at start"]
    assert metadata.count("no answer: accepted the TCP connection, then sent nothing within 5 s") == 3


def test_every_endpoint_refused_is_reported_refused_by_every_case_not_timed_out(tmp_path):
    run = run_suites_against_lab(tmp_path, REFUSED)
    assert run.failing() == {case.key for case in selected_cases()}
    for key, verdict in run.verdicts.items():
        # Refused is found in milliseconds and never recorded: no case waited for a timeout, or was blocked.
        assert "connection refused" in verdict.message, key
        assert "not answering" not in verdict.message and "timed out" not in verdict.message, key
        assert verdict.seconds < CASE_HANG_BOUND_S, key
    assert run.wall_seconds < RUN_HANG_BOUND_S
    metadata = ExecutionResult(str(run.output_dir / "output.xml")).suite.metadata["Endpoints at start"]
    assert metadata.count("no answer: connection refused") == 3


def test_a_sequential_run_checks_the_cases_in_the_spec_dependency_order(tmp_path):
    run = run_suites_against_lab(tmp_path, REFUSED)
    executed = [case_key(test.tags) for test in ExecutionResult(str(run.output_dir / "output.xml")).suite.all_tests]
    assert executed == DEPENDENCY_ORDER
