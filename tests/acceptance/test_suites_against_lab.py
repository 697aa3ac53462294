"""The Robot suites themselves, run against the healthy lab: every Jira case passes, the same way every time,
and no secret leaks into the results."""

from __future__ import annotations

import pytest
from robot.api import ExecutionResult

from keywords.cases import selected_cases
from tests.helpers import lab_running, readable_texts

JIRA_CASES = {case.key for case in selected_cases()}
REPEATS = 20


@pytest.fixture(scope="module")
def healthy_lab(tmp_path_factory):
    with lab_running(tmp_path_factory.mktemp("healthy")) as lab:
        yield lab


@pytest.fixture(scope="module")
def healthy_run(healthy_lab, tmp_path_factory):
    return healthy_lab.run_suites(tmp_path_factory.mktemp("healthy-results"))


def test_every_jira_case_passes_against_the_healthy_lab(healthy_run):
    assert set(healthy_run.verdicts) == JIRA_CASES
    failures = {key: v.message for key, v in healthy_run.verdicts.items() if v.status != "PASS"}
    assert failures == {}


def test_a_green_lab_run_logs_no_warning_and_links_every_case_to_jira(healthy_run):
    errors = ExecutionResult(str(healthy_run.output_dir / "output.xml")).errors.messages
    assert [message.message for message in errors] == []
    report = readable_texts(healthy_run.output_dir)["report.html"]
    assert all(f"https://jira.prisma.local/browse/{key}" in report for key in JIRA_CASES)


def test_no_secret_of_the_lab_appears_in_output_log_or_report(healthy_run):
    assert len(healthy_run.lab_secrets) >= 5
    assert healthy_run.leaked_secrets() == {}


def test_twenty_runs_against_the_healthy_lab_give_identical_verdicts(healthy_lab, tmp_path):
    outcomes = []
    for number in range(REPEATS):
        run = healthy_lab.run_suites(tmp_path / str(number))
        outcomes.append({key: verdict.status for key, verdict in run.verdicts.items()})
        durations = ", ".join(f"{key} {verdict.seconds:.2f}s" for key, verdict in sorted(run.verdicts.items()))
        print(f"run {number + 1:2}: {run.wall_seconds:.1f} s wall; {durations}")
    assert outcomes == [dict.fromkeys(JIRA_CASES, "PASS")] * REPEATS
