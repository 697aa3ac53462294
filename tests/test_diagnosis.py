"""The run-level diagnosis: the spec's failure patterns, fix order, and the one-line all-clear."""

from __future__ import annotations

from robot.api import ExecutionResult
from robot.result import TestSuite as ResultSuite

from keywords.configuration import NOT_CHECKED
from keywords.diagnosis import Diagnosis, Verdict, diagnose, main
from tests.suite_runs import REPO_ROOT

ALL = ("PZ-13806", "PZ-13807", "PZ-13808", "PZ-13898", "PZ-13899", "PZ-13900")


def results(*failed: str, skipped: tuple[str, ...] = ()) -> dict[str, Verdict]:
    def verdict(key: str) -> Verdict:
        if key in failed:
            return Verdict("FAIL", f"{key} broke")
        return Verdict("SKIP" if key in skipped else "PASS", "")

    return {key: verdict(key) for key in ALL}


def test_everything_passing_is_one_line():
    assert diagnose(results(), "lab") == "All 6 infrastructure checks passed (environment lab)."


def test_skipped_cases_are_named_in_the_all_clear():
    text = diagnose(results(skipped=("PZ-13900",)))
    assert text == "All 5 infrastructure checks passed; skipped: PZ-13900."


def test_foundation_failure_is_a_tcp_auth_problem():
    assert "**MongoDB TCP/auth problem**: check MongoDB logs and the network" in diagnose(results("PZ-13806"))


def test_health_failure_with_healthy_foundation():
    text = diagnose(results("PZ-13898"))
    assert "**MongoDB health problem**: check collections and disk space" in text
    assert "TCP/auth" not in text


def test_slow_mongodb_is_performance_degradation():
    assert "**performance degradation**" in diagnose(results("PZ-13808"))


def test_configuration_problem_only_when_the_other_mongodb_cases_pass():
    assert "**configuration problem" in diagnose(results("PZ-13807"))
    assert "**configuration problem" not in diagnose(results("PZ-13807", "PZ-13806"))


def test_ssh_and_kubernetes_failing_together_is_infrastructure_down():
    text = diagnose(results("PZ-13899", "PZ-13900"))
    assert "**infrastructure down**: check SSH and the Kubernetes cluster" in text
    assert "Kubernetes orchestration problem" not in text


def test_fix_order_puts_critical_infrastructure_before_operations_and_performance():
    text = diagnose(results("PZ-13808", "PZ-13807", "PZ-13899"))
    order = [line.split()[1] for line in text.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert order == ["PZ-13899", "PZ-13807", "PZ-13808"]


def test_each_case_shows_verdict_and_layer():
    text = diagnose(results("PZ-13806"))
    assert "| PZ-13806 | MongoDB TCP connection and authentication | foundation (TCP + auth) | FAIL |" in text
    assert "| PZ-13900 | SSH access through the jump host | infrastructure access | PASS |" in text


def test_post_processing_writes_diagnosis_and_adds_it_to_the_report(tmp_path):
    suite = tmp_path / "s.robot"
    suite.write_text(
        "*** Test Cases ***\nFoundation\n    [Tags]    PZ-13806\n    Fail    MongoDB network failure\n"
        "Health\n    [Tags]    PZ-13898\n    No Operation\n"
    )
    from robot import run

    run(str(suite), outputdir=str(tmp_path), output="output.xml", report="NONE", log="NONE", stdout=None)
    assert main(str(tmp_path / "output.xml")) == 1
    text = (tmp_path / "diagnosis.md").read_text()
    assert "**MongoDB TCP/auth problem**" in text
    assert "1. PZ-13806 (foundation (TCP + auth)): MongoDB network failure" in text
    assert (tmp_path / "report.html").is_file()


def test_modifier_puts_the_diagnosis_into_the_report_metadata(tmp_path):
    suite = ResultSuite(name="Suites")
    suite.tests.create(name="Access", tags=["PZ-13900"], status="FAIL", message="SSH jump host down")
    suite.tests.create(name="Pods", tags=["PZ-13899"], status="FAIL", message="Kubernetes API down")
    suite.visit(Diagnosis(str(tmp_path)))
    assert "**infrastructure down**" in suite.metadata["Diagnosis"]
    assert (tmp_path / "diagnosis.md").read_text().startswith("# Diagnosis")


def test_every_plain_robot_run_is_diagnosed_by_the_common_resource(tmp_path):
    from robot import run

    suite = tmp_path / "check.robot"
    suite.write_text(
        f"*** Settings ***\nResource    {REPO_ROOT}/resources/common.resource\n\n"
        "*** Test Cases ***\nAccess\n    [Tags]    PZ-13900\n    Fail    SSH jump host down\n"
        "Pods\n    [Tags]    PZ-13899\n    Fail    Kubernetes API down\n"
    )
    run(str(suite), outputdir=str(tmp_path), report="NONE", log="NONE", stdout=None)
    assert "**infrastructure down**" in (tmp_path / "diagnosis.md").read_text()
    assert "**infrastructure down**" in ExecutionResult(str(tmp_path / "output.xml")).suite.metadata["Diagnosis"]


def test_cases_whose_settings_are_unusable_are_not_counted_as_infrastructure_failures():
    verdicts = results("PZ-13806", "PZ-13899", "PZ-13900")
    for key in ("PZ-13806", "PZ-13900"):
        verdicts[key] = Verdict("FAIL", f"{key} {NOT_CHECKED}: needs environment variable X, which is not set")
    text = diagnose(verdicts)
    assert "- PZ-13806, PZ-13900 not checked → **the run's settings for this environment are unusable**" in text
    assert "| PZ-13806 | MongoDB TCP connection and authentication | foundation (TCP + auth) | not checked |" in text
    assert "infrastructure down" not in text
    assert "MongoDB TCP/auth problem" not in text
    assert "- No known pattern matches the checked cases" in text
    assert text.endswith("3. PZ-13899 (orchestration): PZ-13899 broke")
