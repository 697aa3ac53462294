"""The Xray import request as data: endpoints, query parameters, multipart parts and ``info`` per deployment, the
settings from options and environment, the run's defaults, and how Xray's answers are read. No server here."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import requests
import robot

from keywords.run.revision import git_commit
from keywords.run.xray.http import XrayError, error_text, execution_of
from keywords.run.xray.request import build_request
from keywords.run.xray.settings import (
    CLOUD,
    Settings,
    UsageError,
    parse_settings,
    split_environments,
    with_run_defaults,
)

OUTPUT = Path("/results/output.xml")
SERVER_BASE = "https://jira.prisma.local"
CLOUD_BASE = "https://xray.cloud.getxray.app"


def settings(**changes) -> Settings:
    values = {"output": OUTPUT, "base_url": SERVER_BASE, "project_key": "PZ", "test_environments": ("lab",)}
    return Settings(**(values | changes))


def response(status: int, body: bytes | str) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer._content = body.encode() if isinstance(body, str) else body
    return answer


# --- endpoints and bodies ----------------------------------------------------------------------------------------


def test_server_standard_import_is_a_file_part_with_the_query():
    request = build_request(settings(test_plan_key="PZ-13756", fix_version="2.4.0", revision="0123abc"))

    assert (request.method, request.url) == ("POST", f"{SERVER_BASE}/rest/raven/2.0/import/execution/robot")
    assert request.params == {
        "projectKey": "PZ",
        "testPlanKey": "PZ-13756",
        "fixVersion": "2.4.0",
        "testEnvironments": "lab",
        "revision": "0123abc",
    }
    assert [(part.name, part.filename, part.path) for part in request.parts] == [("file", "output.xml", OUTPUT)]
    assert request.content_type == "multipart/form-data"
    assert request.auth == "Bearer <XRAY_TOKEN>"
    assert "Authorization" not in request.headers  # the token is added when sending, never kept here


def test_cloud_standard_import_is_the_xml_as_body():
    request = build_request(settings(base_url=CLOUD_BASE, deployment=CLOUD, test_environments=("lab", "chrome")))

    assert request.url == f"{CLOUD_BASE}/api/v2/import/execution/robot"
    assert request.params == {"projectKey": "PZ", "testEnvironments": "lab;chrome"}
    assert (request.body_path, request.parts) == (OUTPUT, ())
    assert request.content_type == "application/xml"
    assert request.auth == "Bearer <token from /api/v2/authenticate>"
    assert (
        request.url_with_query
        == f"{CLOUD_BASE}/api/v2/import/execution/robot?projectKey=PZ&testEnvironments=lab%3Bchrome"
    )


def test_server_multipart_carries_the_jira_fields_and_names_what_it_cannot():
    request = build_request(
        settings(summary="Nightly", fix_version="2.4.0", test_plan_key="PZ-13756", revision="0123abc")
    )

    assert request.url == f"{SERVER_BASE}/rest/raven/2.0/import/execution/robot/multipart"
    assert request.params == {}
    results, info = request.parts
    assert (results.name, results.path, info.name) == ("file", OUTPUT, "info")
    assert json.loads(info.text) == {
        "fields": {
            "project": {"key": "PZ"},
            "summary": "Nightly",
            "issuetype": {"name": "Test Execution"},
            "fixVersions": [{"name": "2.4.0"}],
        }
    }
    assert [note.split(" (")[0] for note in request.notes] == [
        "not sent: revision=0123abc",
        "not sent: testPlanKey=PZ-13756",
        "not sent: testEnvironments=lab",
    ]


def test_cloud_multipart_puts_plan_and_environments_in_xray_fields():
    request = build_request(
        settings(base_url=CLOUD_BASE, deployment=CLOUD, summary="Nightly", test_plan_key="PZ-13756", revision="abc")
    )

    assert request.url == f"{CLOUD_BASE}/api/v2/import/execution/robot/multipart"
    results, info = request.parts
    assert results.name == "results"
    assert json.loads(info.text)["xrayFields"] == {"testPlanKey": "PZ-13756", "environments": ["lab"]}
    assert [note.split(" (")[0] for note in request.notes] == ["not sent: revision=abc"]


# --- settings ----------------------------------------------------------------------------------------------------


def test_options_win_over_the_environment_which_fills_the_rest():
    environ = {
        "XRAY_BASE_URL": "https://other.example/",
        "XRAY_DEPLOYMENT": "cloud",
        "XRAY_PROJECT_KEY": "ENV",
        "XRAY_TEST_PLAN_KEY": "PZ-13756",
        "XRAY_FIX_VERSION": "2.4.0",
    }

    parsed = parse_settings(["out.xml", "--base-url", f"{SERVER_BASE}/", "--project-key", "PZ"], environ)

    assert parsed.base_url == SERVER_BASE  # trailing slash dropped
    assert (parsed.deployment, parsed.project_key, parsed.test_plan_key) == (CLOUD, "PZ", "PZ-13756")
    assert (parsed.fix_version, parsed.timeout, parsed.retries) == ("2.4.0", 30.0, 3)


@pytest.mark.parametrize(
    ("argv", "environ", "message"),
    [
        (["o.xml", "--project-key", "PZ"], {"XRAY_DEPLOYMENT": "onprem"}, "XRAY_DEPLOYMENT must be server or cloud"),
        (["o.xml", "--summary", "S"], {}, "--summary needs the project"),
        (["o.xml", "--project-key", "PZ", "--timeout", "0"], {}, "--timeout must be positive"),
    ],
)
def test_unusable_settings_are_usage_errors(argv, environ, message):
    with pytest.raises(UsageError, match=message):
        parse_settings(argv, {"XRAY_BASE_URL": SERVER_BASE} | environ)


def test_environment_names_split_on_xrays_separator():
    assert split_environments("lab; chrome,linux") == ("lab", "chrome", "linux")
    assert split_environments("") == ()


# --- the run's defaults ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lab_output(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("run")
    (folder / "suite.robot").write_text("*** Test Cases ***\nCase\n    [Tags]    PZ-13806\n    No Operation\n")
    robot.run(
        str(folder / "suite.robot"),
        metadata=["Environment:lab"],
        outputdir=str(folder),
        log="NONE",
        report="NONE",
        stdout=io.StringIO(),
    )
    return folder / "output.xml"


def test_run_defaults_come_from_the_suite_metadata(lab_output):
    filled = with_run_defaults(settings(output=lab_output, test_environments=()))

    assert filled.test_environments == ("lab",)
    assert filled.revision is None  # the temporary suite is in no git repository


def test_given_environment_and_revision_are_kept(lab_output):
    filled = with_run_defaults(settings(output=lab_output, test_environments=("staging",), revision="r1"))

    assert (filled.test_environments, filled.revision) == (("staging",), "r1")


def test_a_file_that_is_no_robot_output_is_a_usage_error(tmp_path):
    bogus = tmp_path / "output.xml"
    bogus.write_text("<html>not a run</html>")

    with pytest.raises(UsageError, match="is not a Robot Framework output"):
        with_run_defaults(settings(output=bogus))


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_revision_is_the_checked_out_commit(tmp_path):
    def git(*args: str) -> str:
        command = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()

    git("init", "-q")
    (tmp_path / "suite.robot").write_text("*** Test Cases ***\n")
    git("add", ".")
    git("commit", "-q", "-m", "suite")

    assert git_commit(tmp_path) == git("rev-parse", "HEAD")
    assert git_commit(tmp_path / "no-such-folder") is None


# --- Xray's answers ----------------------------------------------------------------------------------------------


def test_server_answer_gives_key_and_link_under_jiras_context_path():
    body = {"testExecIssue": {"id": "1", "key": "PZ-14123", "self": "https://h.example/jira/rest/api/2/issue/1"}}

    assert execution_of(response(200, json.dumps(body)), settings()) == (
        "PZ-14123",
        "https://h.example/jira/browse/PZ-14123",
    )


def test_cloud_answer_links_to_the_jira_site_not_to_xray():
    body = {"id": "1", "key": "PZ-14123", "self": "https://prisma.atlassian.net/rest/api/2/issue/1"}
    cloud = settings(base_url=CLOUD_BASE, deployment=CLOUD)

    assert execution_of(response(200, json.dumps(body)), cloud)[1] == "https://prisma.atlassian.net/browse/PZ-14123"
    assert execution_of(response(200, '{"key": "PZ-1"}'), cloud) == ("PZ-1", "")


def test_answer_without_a_key_is_an_error():
    with pytest.raises(XrayError, match="named no Test Execution"):
        execution_of(response(200, "<html>login</html>"), settings())


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ('{"error": "Test Execution PZ-9 not found"}', "Test Execution PZ-9 not found"),
        ('{"errorMessages": ["No project"], "errors": {"fixVersion": "unknown"}}', "No project; fixVersion: unknown"),
        ("Xray license is not valid.\n", "Xray license is not valid."),
        ("<html>\n" + "x" * 500, "<html> " + "x" * 290 + "..."),
    ],
)
def test_xrays_error_text_is_one_short_line(body, text):
    assert error_text(response(400, body)) == text
