"""The run-level diagnosis: the rules' failure patterns, fix order, the one-line all-clear, and every case of the
run named, whether it failed, was not run, was not checked, is unknown to the rules or declared twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from robot import run, run_cli
from robot.api import ExecutionResult
from robot.result import TestSuite as ResultSuite

from keywords.common.outcomes import NOT_CHECKED_TAG
from keywords.run.cases import cases_in, selected_cases
from keywords.run.diagnosis import diagnose, robot_documentation
from keywords.run.diagnosis_rules import load_rules
from keywords.run.options import run_options
from keywords.run.report import RunReport, main
from keywords.run.verdicts import outcomes, verdicts
from tests.helpers import REPO_ROOT

SUITES = REPO_ROOT / "suites"
SHIPPED = selected_cases()
KEYS = [case.key for case in SHIPPED]
RULES = load_rules()


def run_model(*failed: str, skipped: tuple[str, ...] = (), not_checked: tuple[str, ...] = ()) -> ResultSuite:
    """A result model of the shipped cases with these verdicts; the others pass."""
    suite = ResultSuite(name="Suites")
    for case in SHIPPED:
        status = "FAIL" if case.key in failed + not_checked else "SKIP" if case.key in skipped else "PASS"
        tags = [case.key, f"layer:{case.layer}"] + ([NOT_CHECKED_TAG] if case.key in not_checked else [])
        message = f"{case.key} broke" if status == "FAIL" else ""
        suite.tests.create(name=case.title, tags=tags, status=status, message=message)
    return suite


def diagnosis_of(suite: ResultSuite, expected=SHIPPED, environment: str = "") -> str:
    return diagnose(verdicts(outcomes(suite, expected)), RULES, environment)


def write_suite(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(
        f"*** Settings ***\nResource    {REPO_ROOT}/resources/common.resource\n\n*** Test Cases ***\n{body}"
    )
    return path


def test_the_shipped_suites_declare_six_cases_each_with_the_whole_taxonomy():
    assert sorted(KEYS) == ["PZ-13806", "PZ-13807", "PZ-13808", "PZ-13898", "PZ-13899", "PZ-13900"]
    assert {case.key: case.problems() for case in SHIPPED} == dict.fromkeys(KEYS, [])


def test_include_critical_selects_the_deployment_blockers():
    assert [case.key for case in selected_cases(include=["critical"])] == ["PZ-13806", "PZ-13900"]
    assert {case.key for case in SHIPPED if case.gate} == {"PZ-13806", "PZ-13900"}


def test_every_case_in_a_rule_or_fix_group_exists_in_the_suites():
    named = {key for rule in RULES.rules for key in rule.when} | {key for g in RULES.fix_order for key in g.cases}
    assert named == set(KEYS)


def test_everything_passing_is_one_line():
    assert diagnosis_of(run_model(), environment="lab") == "All 6 infrastructure checks passed (environment lab)."


def test_skipped_cases_are_named_in_the_all_clear():
    assert diagnosis_of(run_model(skipped=("PZ-13900",))) == "All 5 infrastructure checks passed; skipped: PZ-13900."


def test_foundation_failure_is_a_tcp_auth_problem():
    assert "**MongoDB TCP/auth problem**: check MongoDB logs and the network" in diagnosis_of(run_model("PZ-13806"))


def test_health_failure_with_healthy_foundation():
    text = diagnosis_of(run_model("PZ-13898"))
    assert "**MongoDB health problem**: check collections and disk space" in text
    assert "TCP/auth" not in text


def test_slow_mongodb_is_performance_degradation():
    assert "**performance degradation**" in diagnosis_of(run_model("PZ-13808"))


def test_configuration_problem_only_when_the_other_mongodb_cases_pass():
    assert "**configuration problem" in diagnosis_of(run_model("PZ-13807"))
    text = diagnosis_of(run_model("PZ-13807", "PZ-13806"))
    assert "**configuration problem" not in text
    assert "- PZ-13807 failed → **configuration**: no known pattern matches this run's verdicts" in text


def diagnosis_of_a_run_of(*keys: str, failed: tuple[str, ...]) -> str:
    """The diagnosis of a run that selected only ``keys``, of which ``failed`` failed."""
    suite = run_model(*failed)
    suite.tests = [test for test in suite.tests if any(key in test.tags for key in keys)]
    return diagnosis_of(suite, expected=[case for case in SHIPPED if case.key in keys])


def test_a_run_of_one_case_names_the_likely_layer_and_the_cases_that_would_confirm_it():
    text = diagnosis_of_a_run_of("PZ-13898", failed=("PZ-13898",))
    assert (
        "- PZ-13898 failed → **MongoDB health problem** (likely: PZ-13806 was not selected in this run; it would "
        "confirm it): check collections and disk space."
    ) in text
    text = diagnosis_of_a_run_of("PZ-13807", failed=("PZ-13807",))
    assert (
        "**configuration problem (blocks application start)** (likely: PZ-13806 was not selected in this run, "
        "PZ-13898 was not selected in this run, PZ-13808 was not selected in this run; they would confirm it)"
    ) in text


def test_a_case_not_checked_or_not_run_leaves_the_rule_unconfirmed_and_the_failure_named():
    text = diagnosis_of(run_model("PZ-13900", not_checked=("PZ-13899",)))
    assert "- PZ-13900 failed → **SSH access problem** (likely: PZ-13899 was not checked; it would confirm it)" in text
    assert "infrastructure down" not in text  # it needs PZ-13899 to fail, which nobody saw
    suite = run_model("PZ-13898")
    suite.tests = [test for test in suite.tests if "PZ-13806" not in test.tags]
    text = diagnosis_of(suite)
    assert "- PZ-13806 not run → **no result**" in text
    assert "**MongoDB health problem** (likely: PZ-13806 was not run; it would confirm it)" in text


def test_a_rule_contradicted_by_a_verdict_is_not_named_even_as_likely():
    text = diagnosis_of_a_run_of("PZ-13898", "PZ-13806", failed=("PZ-13898", "PZ-13806"))
    assert "MongoDB health problem" not in text
    assert "- PZ-13806 failed → **MongoDB TCP/auth problem**: check MongoDB logs and the network." in text


def test_every_failed_case_is_under_what_is_broken():
    for failed in (("PZ-13807", "PZ-13806"), ("PZ-13808", "PZ-13899"), ("PZ-13898", "PZ-13807", "PZ-13900")):
        broken = diagnosis_of(run_model(*failed)).split("## What is broken")[1].split("## Fix in this order")[0]
        assert all(f"- {key}" in broken or f", {key}" in broken for key in failed), (failed, broken)


def test_ssh_and_kubernetes_failing_together_is_infrastructure_down():
    text = diagnosis_of(run_model("PZ-13899", "PZ-13900"))
    assert "- PZ-13900, PZ-13899 failed → **infrastructure down**: check SSH and the Kubernetes cluster." in text
    assert "Kubernetes orchestration problem" not in text


def test_fix_order_puts_critical_infrastructure_before_operations_and_performance():
    text = diagnosis_of(run_model("PZ-13808", "PZ-13807", "PZ-13899"))
    order = [line.split()[1] for line in text.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert order == ["PZ-13899", "PZ-13807", "PZ-13808"]
    assert "## Fix in this order (critical infrastructure, then operations, then performance)" in text


def test_each_case_shows_its_title_layer_and_verdict_from_the_suites():
    text = diagnosis_of(run_model("PZ-13806"))
    assert (
        "| PZ-13806 | MongoDB Accepts A Direct Connection And Authenticates The Application User "
        "| foundation (TCP + auth) | FAIL |"
    ) in text
    assert "| infrastructure access | PASS |" in text


def test_a_selected_case_without_a_result_is_not_run_and_fails_the_run():
    suite = run_model()
    suite.tests.remove(next(test for test in suite.tests if "PZ-13806" in test.tags))
    found = verdicts(outcomes(suite, SHIPPED))
    text = diagnose(found, RULES)
    assert found["PZ-13806"].status == "NOT RUN"
    assert "| PZ-13806 | MongoDB Accepts A Direct Connection And Authenticates The Application User" in text
    assert "| not run |" in text
    assert "- PZ-13806 not run → **no result**" in text
    assert "1. PZ-13806 (foundation (TCP + auth)): Not run: selected for this run but no result" in text
    assert not text.startswith("All")


def test_an_unknown_jira_key_is_diagnosed_under_its_own_layer():
    suite = run_model()
    suite.tests.create(name="Redis Answers", tags=["PZ-14000", "layer:cache"], status="FAIL", message="Redis down")
    text = diagnosis_of(suite)
    assert "| PZ-14000 | Redis Answers | cache | FAIL |" in text
    assert "- PZ-14000 failed → **cache problem**: no diagnosis rule names PZ-14000" in text
    assert text.endswith("1. PZ-14000 (cache): Redis down")


def test_two_tests_with_one_key_fail_the_key_when_either_fails_in_any_order():
    for statuses in (("FAIL", "PASS"), ("PASS", "FAIL")):
        suite = ResultSuite(name="Suites")
        for number, status in enumerate(statuses):
            message = "broke" if status == "FAIL" else ""
            suite.tests.create(name=f"Check {number}", tags=["PZ-13806"], status=status, message=message)
        text = diagnosis_of(suite, expected=())
        assert "| PZ-13806 | Check 0 + Check 1 | no layer tag | FAIL (1 of 2 tests failing) |" in text
        assert "- PZ-13806 is declared by 2 tests" in text
        assert "**MongoDB TCP/auth problem**" in text


def test_cases_whose_settings_are_unusable_are_not_counted_as_infrastructure_failures():
    text = diagnosis_of(run_model("PZ-13899", not_checked=("PZ-13806", "PZ-13900")))
    assert "- PZ-13806, PZ-13900 not checked → **the run's settings for this environment are unusable**" in text
    assert "| foundation (TCP + auth) | not checked |" in text
    assert "infrastructure down" not in text
    assert "MongoDB TCP/auth problem" not in text
    assert text.endswith("3. PZ-13899 (orchestration): PZ-13899 broke")


def test_modifier_puts_the_diagnosis_into_the_report_metadata(tmp_path):
    suite = run_model("PZ-13899", "PZ-13900")
    suite.visit(RunReport(tmp_path, SHIPPED))
    assert "- PZ-13900, PZ-13899 failed → *infrastructure down*" in suite.metadata["Diagnosis"]
    assert (tmp_path / "diagnosis.md").read_text().startswith("# Diagnosis")


def test_run_options_read_selection_and_links_from_the_command_line_and_argument_files(tmp_path):
    argument_file = tmp_path / "args"
    argument_file.write_text("# links\n--tagstatlink PZ-*:https://jira/browse/PZ-%1:Jira\n--include=mongo*\n")
    options = run_options(["--variable", "ENV:lab", "-A", str(argument_file), "-e", "slow", "--processes", "2"])
    assert options.include == ("mongo*",)
    assert options.exclude == ("slow",)
    assert options.tagstatlink == ("PZ-*:https://jira/browse/PZ-%1:Jira",)


CRITICAL_ARGS = str(REPO_ROOT / "args" / "critical.args")


@pytest.mark.parametrize(
    ("form", "selected"),
    [
        (["--include", "critical"], {"PZ-13806", "PZ-13900"}),
        (["-i", "critical"], {"PZ-13806", "PZ-13900"}),
        (["-icritical"], {"PZ-13806", "PZ-13900"}),
        (["--incl", "critical"], {"PZ-13806", "PZ-13900"}),
        (["--include=critical"], {"PZ-13806", "PZ-13900"}),
        (["--INCLUDE", "CRITICAL"], {"PZ-13806", "PZ-13900"}),
        (["--argumentfile", CRITICAL_ARGS], {"PZ-13806", "PZ-13900"}),
        (["-A", CRITICAL_ARGS], {"PZ-13806", "PZ-13900"}),
        (["--processes", "4", "--testlevelsplit", "--incl", "critical"], {"PZ-13806", "PZ-13900"}),  # pabot's too
        (["-t*.Mongodb.*Configuration*", "--task", "Operators*"], {"PZ-13807", "PZ-13900"}),  # full name or name
        (["--exclude", "component:mongodb"], {"PZ-13899", "PZ-13900"}),
        (["-e", "component:mongodb", "-i", "critical"], {"PZ-13900"}),
        (["--suite", "PZ-13899*"], {"PZ-13899"}),
        (["-sPZ-13899*", "-sPZ-13898*"], {"PZ-13898", "PZ-13899"}),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else "",
)
def test_every_form_robot_accepts_selects_what_robot_selects(tmp_path, form, selected):
    robot_form = [item for item in form if item not in ("--testlevelsplit", "--processes", "4")]
    run_cli([*robot_form, "--dryrun", "--outputdir", str(tmp_path), "--console", "none", str(SUITES)], exit=False)
    output = tmp_path / "output.xml"
    robot_selected = {case.key for case in cases_in(ExecutionResult(str(output)).suite)}
    options = run_options(form)
    cases = selected_cases([SUITES], options.include, options.exclude, options.tests, options.suites)
    assert {case.key for case in cases} == robot_selected == selected
    assert main([str(output), "--source", str(SUITES), "--", *form]) == 0  # no case robot left out is NOT RUN


def test_a_command_line_robot_refuses_is_a_usage_error_not_a_verdict(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_status:
        main([str(tmp_path / "output.xml"), "--", "--no-such-option"])
    assert exit_status.value.code == 2
    assert "not robot's" in capsys.readouterr().err


def test_post_processing_names_a_missing_case_as_not_run_in_every_artefact(tmp_path, capfd):
    suites = tmp_path / "suites"
    write_suite(suites, "a.robot", "Foundation\n    [Tags]    PZ-13806    layer:foundation\n    No Operation\n")
    write_suite(suites, "b.robot", "Health\n    [Tags]    PZ-13898    layer:data\n    No Operation\n")
    run(str(suites / "a.robot"), outputdir=str(tmp_path), report="NONE", log="NONE", stdout=None)
    assert main([str(tmp_path / "output.xml"), "--source", str(suites)]) == 4
    assert "- PZ-13898 not run → **no result**" in (tmp_path / "diagnosis.md").read_text()
    result = ExecutionResult(str(tmp_path / "output.xml")).suite
    assert "PZ-13898 not run" in result.metadata["Diagnosis"]
    assert [test.status for test in result.all_tests if "PZ-13898" in test.tags] == ["FAIL"]
    assert "- PZ-13898 not run" in capfd.readouterr().out
    assert (tmp_path / "report.html").is_file()


def test_post_processing_honours_the_runs_selection(tmp_path):
    suites = tmp_path / "suites"
    write_suite(suites, "a.robot", "Foundation\n    [Tags]    PZ-13806    critical\n    No Operation\n")
    write_suite(suites, "b.robot", "Health\n    [Tags]    PZ-13898\n    No Operation\n")
    run(str(suites), include="critical", outputdir=str(tmp_path), report="NONE", log="NONE", stdout=None)
    assert main([str(tmp_path / "output.xml"), "--", "--include", "critical"]) == 0
    assert (tmp_path / "diagnosis.md").read_text() == "All 1 infrastructure checks passed.\n"


def test_a_plain_robot_run_of_any_file_or_folder_is_diagnosed(tmp_path):
    suites = tmp_path / "suites"
    write_suite(suites / "ssh", "access.robot", "Access\n    [Tags]    PZ-13900\n    Fail    SSH jump host down\n")
    write_suite(suites / "k8s", "pods.robot", "Pods\n    [Tags]    PZ-13899\n    Fail    Kubernetes API down\n")
    for sources, out in (([suites / "ssh", suites / "k8s"], "two"), ([suites / "ssh" / "access.robot"], "file")):
        run(*map(str, sources), outputdir=str(tmp_path / out), report="NONE", log="NONE", stdout=None)
        output = ExecutionResult(str(tmp_path / out / "output.xml")).suite
        assert "PZ-13900" in output.metadata["Diagnosis"], out
    assert "**infrastructure down**" in (tmp_path / "two" / "diagnosis.md").read_text()
    # A run of one file cannot confirm the SSH rule (it wants PZ-13899 to pass) but still names the likely layer.
    assert (
        "- PZ-13900 failed → **SSH access problem** (likely: PZ-13899 was not selected in this run; it would confirm "
        "it): check the jump host, credentials and host keys."
    ) in (tmp_path / "file" / "diagnosis.md").read_text()


def test_a_seventh_case_in_a_new_suite_is_diagnosed_with_no_code_edit(tmp_path):
    suites = tmp_path / "suites"
    write_suite(
        suites / "mongodb",
        "foundation.robot",
        "Foundation\n    [Tags]    PZ-13806    layer:foundation\n    No Operation\n",
    )
    write_suite(
        suites / "redis",
        "PZ-14001_redis.robot",
        "Redis Answers Ping\n    [Tags]    PZ-14001    priority:high    component:redis    layer:cache\n"
        "    Fail    Redis network failure at 127.0.0.1:6379: connection refused\n",
    )
    run(str(suites), outputdir=str(tmp_path), report="NONE", log="NONE", stdout=None)
    text = (tmp_path / "diagnosis.md").read_text()
    assert "| PZ-14001 | Redis Answers Ping | cache | FAIL |" in text
    assert "1. PZ-14001 (cache): Redis network failure at 127.0.0.1:6379: connection refused" in text
    assert [case.key for case in selected_cases([suites])] == ["PZ-13806", "PZ-14001"]


def test_a_dry_run_is_not_diagnosed(tmp_path):
    suites = tmp_path / "suites"
    write_suite(suites, "a.robot", "Foundation\n    [Tags]    PZ-13806\n    Fail    never runs in a dry run\n")
    run(str(suites), dryrun=True, outputdir=str(tmp_path), report="NONE", log="NONE", stdout=None)
    assert not (tmp_path / "diagnosis.md").exists()


def test_the_report_gets_the_diagnosis_in_robot_documentation_syntax():
    text = robot_documentation(diagnosis_of(run_model("PZ-13806"), environment="lab"))
    assert text.startswith("*Diagnosis (environment lab)*\n\n| =Jira= | =check= | =layer= | =verdict= |\n| PZ-13899 |")
    assert "- PZ-13806 failed → *MongoDB TCP/auth problem*: check MongoDB logs and the network." in text
    assert "\n- 1. PZ-13806 (foundation (TCP + auth)): PZ-13806 broke" in text
    assert "|---" not in text and "**" not in text
