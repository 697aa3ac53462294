"""The Robot suites themselves, run against the healthy lab: every Jira case passes and no secret leaks."""

from __future__ import annotations

import pytest

from tests.suite_runs import run_suites_against_lab

JIRA_CASES = {"PZ-13806", "PZ-13807", "PZ-13808", "PZ-13898", "PZ-13899", "PZ-13900"}


@pytest.fixture(scope="module")
def healthy_run(tmp_path_factory):
    return run_suites_against_lab(tmp_path_factory.mktemp("healthy"))


def test_every_jira_case_passes_against_the_healthy_lab(healthy_run):
    assert set(healthy_run.verdicts) >= JIRA_CASES
    failures = {key: v.message for key, v in healthy_run.verdicts.items() if v.status != "PASS"}
    assert failures == {}


def test_no_secret_of_the_lab_appears_in_output_log_or_report(healthy_run):
    secrets = [value for key, value in healthy_run.lab_env.items() if "PASSWORD" in key or "TOKEN" in key]
    assert secrets
    for name in ("output.xml", "log.html", "report.html"):
        text = (healthy_run.output_dir / name).read_text(encoding="utf-8")
        leaked = [secret for secret in secrets if secret in text]
        assert leaked == [], f"secret(s) visible in {name}"
