"""The Robot suites themselves, run against the healthy lab: every Jira case passes, the same way every time,
and no secret leaks into the results."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from robot.api import ExecutionResult

from keywords.run.cases import selected_cases
from lab.go_binaries import cached
from tests.helpers import REPO_ROOT, Lab, environments_with_unusable, lab_running, readable_texts

JIRA_CASES = {case.key for case in selected_cases()}
MONGODB_CASES = {"PZ-13806", "PZ-13807", "PZ-13808", "PZ-13898"}
ENVIRONMENTS = REPO_ROOT / "variables" / "environments.yaml"
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
    assert failures == {}, "\n" + healthy_run.messages()


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


def test_a_run_of_one_sub_folder_is_diagnosed_with_its_own_cases(healthy_lab, tmp_path):
    run = healthy_lab.run_suites(tmp_path, sources=("suites/mongodb",))
    assert run.return_code == 0
    assert set(run.verdicts) == {case.key for case in selected_cases(["suites/mongodb"])} == MONGODB_CASES
    assert run.diagnosis() == "All 4 infrastructure checks passed (environment lab).\n"


def test_an_environment_without_pz13807_expectations_leaves_it_not_checked(healthy_lab, tmp_path):
    environments = yaml.safe_load(ENVIRONMENTS.read_text(encoding="utf-8"))
    del environments["lab"]["focus_server"]["expected_mongodb"]
    environments["lab"]["env_file"] = str(Path(healthy_lab.published["LAB_STATE"]) / "lab.env")
    copy = tmp_path / "environments.yaml"
    copy.write_text(yaml.safe_dump(environments), encoding="utf-8")
    healthy_lab.env["FOCUS_ENVIRONMENTS_FILE"] = str(copy)
    try:
        run = healthy_lab.run_suites(tmp_path / "results", "--include", "component:mongodb")
    finally:
        del healthy_lab.env["FOCUS_ENVIRONMENTS_FILE"]
    assert run.failing() == {"PZ-13807"}
    assert run.verdicts["PZ-13807"].message == (
        "Focus Server configuration not checked, the environment's settings are unusable: environment 'lab' "
        f"declares no expected values for PZ-13807: add focus_server.expected_mongodb (host, port, database) to {copy}"
    )
    diagnosis = run.diagnosis()
    assert "- PZ-13807 not checked → **the run's settings for this environment are unusable**" in diagnosis
    assert "configuration problem" not in diagnosis


def _pz_13900_with(lab: Lab, folder: Path, environments: Path):
    """PZ-13900's verdict and the run's warnings, with ``environments`` as the environments file."""
    variant = Lab({**lab.env, "FOCUS_ENVIRONMENTS_FILE": str(environments)}, lab.published)
    run = variant.run_suites(folder / "results", "--include", "PZ-13900")
    errors = ExecutionResult(str(run.output_dir / "output.xml")).errors.messages
    return run.verdicts["PZ-13900"], [message.message for message in errors if message.level == "WARN"]


@pytest.mark.parametrize(
    ("kubernetes", "warned"),
    [
        ({"namespace": "elsewhere"}, "SSH command 'kubectl get pods -n elsewhere' "),
        ({"pod_pattern": "focus-canary-*-server"}, "'kubectl get pods -n panda' .*'focus-canary-'"),
    ],
    ids=["namespace", "pod_pattern"],
)
def test_the_target_lists_the_pods_of_the_environments_namespace_and_pattern(healthy_lab, tmp_path, kubernetes, warned):
    environments = yaml.safe_load(ENVIRONMENTS.read_text(encoding="utf-8"))
    environments["lab"]["kubernetes"].update(kubernetes)
    environments["lab"]["env_file"] = str(Path(healthy_lab.published["LAB_STATE"]) / "lab.env")
    copy = tmp_path / "environments.yaml"
    copy.write_text(yaml.safe_dump(environments), encoding="utf-8")

    verdict, warnings = _pz_13900_with(healthy_lab, tmp_path, copy)

    # The optional step asked for what the environment configures, which the lab does not hold: a warning only.
    assert verdict.status == "PASS", verdict.message
    assert len(warnings) == 1 and re.search(warned, warnings[0], re.DOTALL), warnings


def test_an_unusable_kubernetes_section_leaves_pz13900_checked_with_a_warning(healthy_lab, tmp_path):
    verdict, warnings = _pz_13900_with(healthy_lab, tmp_path, environments_with_unusable("kubernetes.token", tmp_path))

    assert verdict.status == "PASS", verdict.message
    assert len(warnings) == 1, warnings
    assert "Kubernetes API not checked, the environment's settings are unusable" in warnings[0]
    assert "kubernetes.token needs environment variable FOCUS_MATRIX_UNSET_SECRET" in warnings[0]


def test_the_target_runs_the_real_k9s_built_from_its_go_module(healthy_run):
    if cached("k9s") is None:
        pytest.skip("k9s is not built here (no Go): the target runs the labelled stand-in")
    result = ExecutionResult(str(healthy_run.output_dir / "output.xml")).suite
    logged = [
        message.message
        for test in result.all_tests
        for keyword in test.body
        for message in _messages(keyword)
        if "k9s version" in message.message
    ]
    assert any("v0.50." in text and "stand-in" not in text for text in logged), logged


def _messages(item):
    for child in getattr(item, "body", ()):
        if child.type == "MESSAGE":
            yield child
        else:
            yield from _messages(child)
