"""The artefacts of a run beside its output.xml: junit.xml for CI systems and the traceability report, from a
real Robot run of throw-away suites (no servers)."""

from __future__ import annotations

from pathlib import Path

import pytest
import xmlschema
from junitparser import Error, Failure, JUnitXml, Properties, Skipped
from robot import run

from keywords.run.report import main
from keywords.run.traceability import VERDICT_COLOURS
from tests.helpers import REPO_ROOT

SCHEMA = Path(__file__).resolve().parents[2] / "data" / "junit.xsd"
EXTENSION = '<xs:element ref="properties" minOccurs="0"/><!-- the Xray extension -->'
SUITES = {
    "mongodb/foundation.robot": (
        "Foundation Answers\n    [Tags]    PZ-13806    priority:critical    component:mongodb    layer:foundation\n"
        "    Evaluate    keywords.common.evidence.log_evidence('MongoDB server 127.0.0.1:1',"
        " ['connections: current 1'])    modules=keywords.common.evidence\n"
        "    Fail    MongoDB network failure at 127.0.0.1:1 during connect: connection refused\n"
    ),
    "mongodb/config.robot": (
        "Configuration Is Expected\n"
        "    [Tags]    PZ-13807    priority:high    component:mongodb    layer:configuration\n"
        "    Set Tags    not-checked\n    Fail    Focus Server configuration not checked, the environment's settings "
        "are unusable: no expected values\n"
    ),
    "mongodb/speed.robot": (
        "Pings Are Quick\n    [Tags]    PZ-13808    priority:medium    component:mongodb    layer:performance\n"
        "    No Operation\n"
    ),
    "ssh/access.robot": (
        "Operators Reach The Target\n    [Tags]    PZ-13900    priority:high    component:ssh    layer:access\n"
        "    Skip    SSH access is disabled in environment 'development'\n"
    ),
    "kubernetes/pods.robot": (
        "Pods Are Healthy\n    [Tags]    PZ-13899    priority:high    component:kubernetes    layer:orchestration\n"
        "    No Operation\n"
    ),
}


ARGUMENTS = ["--argumentfile", str(REPO_ROOT / "robot.args")]


def write_suites(folder: Path) -> Path:
    suites = folder / "suites"
    for name, body in SUITES.items():
        path = suites / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f"*** Settings ***\nResource    {REPO_ROOT}/resources/common.resource\n\n*** Test Cases ***\n{body}"
        )
    return suites


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """A run of every suite but the Kubernetes one, diagnosed against all of them: PZ-13899 is NOT RUN."""
    folder = tmp_path_factory.mktemp("artefacts")
    suites = write_suites(folder)
    output = folder / "results"
    metadata = ["Epic:PZ-13756 Focus", "Environment:lab"]
    run(str(suites), exclude="component:kubernetes", outputdir=str(output), metadata=metadata, stdout=None)
    assert main([str(output / "output.xml"), "--source", str(suites), "--", *ARGUMENTS]) == 1
    return output


def cases_by_key(path: Path) -> dict:
    return {case.name.split()[0]: case for suite in JUnitXml.fromfile(str(path)) for case in suite}


def test_junit_names_each_case_by_its_key_and_carries_key_priority_and_layer(results):
    cases = cases_by_key(results / "junit.xml")
    assert sorted(cases) == ["PZ-13806", "PZ-13807", "PZ-13808", "PZ-13899", "PZ-13900"]
    assert cases["PZ-13806"].name == "PZ-13806 Foundation Answers"
    assert cases["PZ-13806"].classname == "Suites.Mongodb.Foundation"
    properties = {prop.name: prop.value for prop in cases["PZ-13806"].child(Properties)}
    assert properties == {"test_key": "PZ-13806", "priority": "critical", "component": "mongodb", "layer": "foundation"}


def test_junit_tells_a_failed_check_from_an_unchecked_or_missing_case(results):
    cases = cases_by_key(results / "junit.xml")
    (failure,) = cases["PZ-13806"].result
    assert isinstance(failure, Failure) and failure.message.startswith("MongoDB network failure at 127.0.0.1:1")
    (not_checked,) = cases["PZ-13807"].result
    assert isinstance(not_checked, Error) and not_checked.type == "NotChecked"
    (not_run,) = cases["PZ-13899"].result
    assert isinstance(not_run, Error) and not_run.type == "NotRun"
    (skipped,) = cases["PZ-13900"].result
    assert isinstance(skipped, Skipped)
    assert cases["PZ-13808"].is_passed


def test_a_failing_cases_evidence_is_its_junit_system_out_and_in_the_diagnosis(results):
    cases = cases_by_key(results / "junit.xml")
    assert cases["PZ-13806"].system_out == "evidence MongoDB server 127.0.0.1:1\nconnections: current 1"
    assert cases["PZ-13808"].system_out is None
    diagnosis = (results / "diagnosis.md").read_text(encoding="utf-8")
    assert "### PZ-13806 evidence: MongoDB server 127.0.0.1:1\n\n```\nconnections: current 1\n```" in diagnosis


def test_junit_is_valid_for_ci_systems_with_xrays_test_case_properties_as_the_only_extension(results):
    junit = (results / "junit.xml").read_text(encoding="utf-8")
    xmlschema.XMLSchema(str(SCHEMA)).validate(junit)
    strict_text = SCHEMA.read_text(encoding="utf-8")
    assert EXTENSION in strict_text
    strict = xmlschema.XMLSchema(strict_text.replace(EXTENSION, ""))
    assert not strict.is_valid(junit)
    document = JUnitXml.fromstring(junit)
    for suite in document:
        for case in suite:
            for properties in list(case.iterchildren(Properties)):
                case.remove(properties)
    strict.validate(document.tostring().decode())


def test_traceability_markdown_has_the_run_facts_and_a_row_per_case(results):
    text = (results / "traceability.md").read_text(encoding="utf-8")
    assert text.startswith("# Suites — traceability\n\n- Epic: [PZ-13756](https://jira.prisma.local/browse/PZ-13756)")
    assert "- Environment: lab\n" in text and "- Suite revision: " in text and "- Started: " in text
    assert (
        "| [PZ-13806](https://jira.prisma.local/browse/PZ-13806) | Foundation Answers | critical | foundation | FAIL "
    ) in text
    assert (
        "| MongoDB network failure at 127.0.0.1:1 during connect: connection refused | MongoDB TCP/auth problem |"
        in text
    )
    assert "| configuration | NOT CHECKED |" in text and "| settings unusable |" in text
    assert "| orchestration | NOT RUN |" in text and "| no result |" in text
    assert "| access | SKIP |" in text
    assert "## Diagnosis\n\n### Diagnosis (environment lab)" in text and "\n#### What is broken\n" in text


def test_traceability_html_is_one_file_without_scripts_or_external_resources(results):
    page = (results / "traceability.html").read_text(encoding="utf-8")
    assert "<script" not in page and "src=" not in page and "<link" not in page
    assert all(f"background: {colour}" in page for colour in VERDICT_COLOURS.values())


def test_the_report_names_the_product_and_points_at_the_traceability_report(results):
    from robot.api import ExecutionResult

    suite = ExecutionResult(str(results / "output.xml")).suite
    assert suite.metadata["Traceability"].startswith("[traceability.html|traceability.html]")


def test_an_output_the_run_never_finished_makes_every_selected_case_not_run(tmp_path, capsys):
    suites = write_suites(tmp_path)
    output = tmp_path / "results" / "output.xml"
    output.parent.mkdir()
    output.write_text("")  # what a killed robot leaves
    assert main([str(output), "--source", str(suites), "--", *ARGUMENTS]) == 4
    assert "cannot be read" in capsys.readouterr().err
    diagnosis = (output.parent / "diagnosis.md").read_text(encoding="utf-8")
    assert diagnosis.count(" | not run |") == len(SUITES)
    assert "not run → **no result**" in diagnosis
    assert (output.parent / "report.html").is_file()


def test_a_run_that_diagnosed_itself_keeps_its_artefacts_and_only_gets_its_exit_code(results):
    diagnosis = results / "diagnosis.md"
    written = diagnosis.stat().st_mtime_ns
    suites = results.parent / "suites"
    arguments = [str(results / "output.xml"), "--keep-diagnosed", "--source", str(suites), "--", *ARGUMENTS]
    assert main(arguments) == 1
    assert diagnosis.stat().st_mtime_ns == written
