"""``focus-infra xray`` against a local stand-in for Xray: a real HTTP server on 127.0.0.1 that records every
request (method, path, query, headers, raw body) and answers the way Xray Server/DC and Xray Cloud do.

The output.xml comes from a real Robot Framework run of a one-test suite tagged with a Jira key. Every test also
checks that no credential (the server token, the cloud client secret, the cloud token) reaches stdout or stderr.
"""

from __future__ import annotations

import email.parser
import email.policy
import io
import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import robot

from keywords.run.xray.command import main
from lab.ports import ClosedPort
from tests.helpers import FOCUS_INFRA, REPO_ROOT

TOKEN = "pat-server-6f1c2a9d8e7b"
CLIENT_ID = "client-id-4a7e19c0"
CLIENT_SECRET = "client-secret-93bd0e71aa52"
CLOUD_TOKEN = "cloud-jwt-eyJhbGciOiJIUzI1NiJ9.c2VjcmV0"
SECRETS = (TOKEN, CLIENT_SECRET, CLOUD_TOKEN)
SUITE = """\
*** Test Cases ***
Focus Server MongoDB Answers
    [Tags]    PZ-13806    priority:critical    component:mongodb    layer:foundation    critical
    Log    reachable
"""


# --- a stand-in for Xray -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def parts(self) -> dict[str, tuple[str | None, bytes]]:
        """A multipart/form-data body as ``{name: (filename, content)}``, parsed by the standard library."""
        head = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + self.body)
        return {
            part.get_param("name", header="content-disposition"): (part.get_filename(), part.get_payload(decode=True))
            for part in message.iter_parts()
        }


@dataclass(frozen=True)
class Answer:
    status: int
    body: object  # dict/str are sent as JSON, bytes as they are
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class FakeXray:
    """Answers each path from a script (the last answer repeats) and records every request it receives."""

    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    script: dict[str, list[Answer]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, *answers: Answer) -> None:
        self.script[path] = list(answers)

    def next_answer(self, path: str) -> Answer:
        with self.lock:
            answers = self.script.get(path)
            if not answers:
                return Answer(404, {"error": f"no such endpoint {path}"})
            return answers.pop(0) if len(answers) > 1 else answers[0]


@pytest.fixture
def xray() -> Iterator[FakeXray]:
    fake = FakeXray()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            parts = urlsplit(self.path)
            with fake.lock:
                fake.requests.append(
                    Recorded(
                        "POST",
                        parts.path,
                        parse_qs(parts.query),
                        {name.lower(): value for name, value in self.headers.items()},
                        body,
                    )
                )
            answer = fake.next_answer(parts.path)
            time.sleep(answer.delay)
            payload = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's signature)
            pass  # quiet: the test reads the recorded requests, not the server's log

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def server_created(fake: FakeXray, key: str = "PZ-14123") -> Answer:
    """Xray Server/DC's answer to an import (the Test Execution under ``testExecIssue``)."""
    issue = {"id": "10000", "key": key, "self": f"{fake.url}/rest/api/2/issue/10000"}
    return Answer(200, {"testExecIssue": issue})


def cloud_created(key: str = "PZ-14123") -> Answer:
    """Xray Cloud's answer to an import: the issue itself, ``self`` on the Jira Cloud site."""
    return Answer(200, {"id": "10000", "key": key, "self": "https://prisma.atlassian.net/rest/api/2/issue/10000"})


# --- the run and the command -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def output_xml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real output.xml: one test tagged PZ-13806, suite metadata Environment=lab."""
    folder = tmp_path_factory.mktemp("xray-run")
    suite = folder / "focus_server.robot"
    suite.write_text(SUITE, encoding="utf-8")
    code = robot.run(
        str(suite),
        metadata=["Environment:lab"],
        outputdir=str(folder / "results"),
        log="NONE",
        report="NONE",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert code == 0
    return folder / "results" / "output.xml"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what a test sets: the developer's own XRAY_* variables must not leak into a test."""
    for name in list(os.environ):
        if name.startswith("XRAY_"):
            monkeypatch.delenv(name)


@pytest.fixture
def server_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XRAY_TOKEN", TOKEN)


@pytest.fixture
def cloud_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XRAY_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("XRAY_CLIENT_SECRET", CLIENT_SECRET)


def run_xray(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``main(argv)`` in-process, fast (no backoff); its exit code and output, checked for secrets."""
    code = main(["--backoff", "0", *argv])
    out, err = capsys.readouterr()
    assert_no_secrets(out + err)
    return code, out, err


def assert_no_secrets(text: str) -> None:
    leaked = [secret for secret in SECRETS if secret in text]
    assert leaked == [], "a credential reached the console"


def one_line_error(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


# --- Xray Server / Data Center -----------------------------------------------------------------------------------


def test_server_import_sends_the_output_with_the_runs_query_and_prints_the_test_execution(
    xray, output_xml, server_token, capsys
):
    xray.answer("/rest/raven/2.0/import/execution/robot", server_created(xray))

    code, out, err = run_xray(
        capsys,
        str(output_xml),
        "--base-url",
        xray.url,
        "--project-key",
        "PZ",
        "--test-plan-key",
        "PZ-13756",
        "--fix-version",
        "2.4.0",
        "--revision",
        "0123abc",
    )

    assert (code, err) == (0, "")
    assert out == f"Xray Test Execution PZ-14123: {xray.url}/browse/PZ-14123\n"
    (request,) = xray.requests
    assert (request.method, request.path) == ("POST", "/rest/raven/2.0/import/execution/robot")
    assert request.query == {
        "projectKey": ["PZ"],
        "testPlanKey": ["PZ-13756"],
        "fixVersion": ["2.4.0"],
        "testEnvironments": ["lab"],  # the run's Environment metadata
        "revision": ["0123abc"],
    }
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert request.parts() == {"file": ("output.xml", output_xml.read_bytes())}


def test_server_summary_uses_the_multipart_endpoint_with_the_test_execution_fields(
    xray, output_xml, server_token, monkeypatch, capsys
):
    xray.answer("/rest/raven/2.0/import/execution/robot/multipart", server_created(xray, "PZ-14124"))
    monkeypatch.setenv("XRAY_BASE_URL", xray.url)
    monkeypatch.setenv("XRAY_PROJECT_KEY", "PZ")
    monkeypatch.setenv("XRAY_FIX_VERSION", "2.4.0")

    code, out, err = run_xray(capsys, str(output_xml), "--summary", "Focus Server infrastructure, lab")

    assert code == 0
    assert out == f"Xray Test Execution PZ-14124: {xray.url}/browse/PZ-14124\n"
    # The Test Environment has no field of its own on Server/DC (a per-instance custom field): said, not lost.
    assert err == "Xray: not sent: testEnvironments=lab (a Jira custom field here, whose id differs per instance)\n"
    (request,) = xray.requests
    assert request.path == "/rest/raven/2.0/import/execution/robot/multipart"
    assert request.query == {}
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    parts = request.parts()
    assert set(parts) == {"file", "info"}
    assert parts["file"] == ("output.xml", output_xml.read_bytes())
    assert json.loads(parts["info"][1]) == {
        "fields": {
            "project": {"key": "PZ"},
            "summary": "Focus Server infrastructure, lab",
            "issuetype": {"name": "Test Execution"},
            "fixVersions": [{"name": "2.4.0"}],
        }
    }


# --- Xray Cloud --------------------------------------------------------------------------------------------------


def test_cloud_authenticates_then_imports_with_the_token_as_bearer(xray, output_xml, cloud_keys, capsys):
    xray.answer("/api/v2/authenticate", Answer(200, CLOUD_TOKEN))
    xray.answer("/api/v2/import/execution/robot", cloud_created())

    code, out, err = run_xray(
        capsys, str(output_xml), "--deployment", "cloud", "--base-url", xray.url, "--test-exec-key", "PZ-14000"
    )

    assert (code, err) == (0, "")
    assert out == "Xray Test Execution PZ-14123: https://prisma.atlassian.net/browse/PZ-14123\n"
    authenticate, imported = xray.requests
    assert authenticate.path == "/api/v2/authenticate"
    assert authenticate.headers["content-type"] == "application/json"
    assert json.loads(authenticate.body) == {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    assert imported.path == "/api/v2/import/execution/robot"
    assert imported.query == {"testExecKey": ["PZ-14000"], "testEnvironments": ["lab"]}
    assert imported.headers["authorization"] == f"Bearer {CLOUD_TOKEN}"
    assert imported.headers["content-type"] == "application/xml"
    assert imported.body == output_xml.read_bytes()


def test_cloud_summary_sends_results_and_info_parts(xray, output_xml, cloud_keys, monkeypatch, capsys):
    xray.answer("/api/v2/authenticate", Answer(200, CLOUD_TOKEN))
    xray.answer("/api/v2/import/execution/robot/multipart", cloud_created("PZ-14125"))
    monkeypatch.setenv("XRAY_DEPLOYMENT", "cloud")
    monkeypatch.setenv("XRAY_TEST_PLAN_KEY", "PZ-13756")

    code, out, err = run_xray(
        capsys, str(output_xml), "--base-url", xray.url, "--project-key", "PZ", "--summary", "Nightly lab run"
    )

    assert (code, err) == (0, "")
    assert out == "Xray Test Execution PZ-14125: https://prisma.atlassian.net/browse/PZ-14125\n"
    imported = xray.requests[1]
    assert (imported.path, imported.query) == ("/api/v2/import/execution/robot/multipart", {})
    assert imported.headers["authorization"] == f"Bearer {CLOUD_TOKEN}"
    parts = imported.parts()
    assert set(parts) == {"results", "info"}
    assert parts["results"][1] == output_xml.read_bytes()
    assert json.loads(parts["info"][1]) == {
        "fields": {"project": {"key": "PZ"}, "summary": "Nightly lab run", "issuetype": {"name": "Test Execution"}},
        "xrayFields": {"testPlanKey": "PZ-13756", "environments": ["lab"]},
    }


def test_cloud_rejected_client_is_one_line_and_imports_nothing(xray, output_xml, cloud_keys, capsys):
    xray.answer("/api/v2/authenticate", Answer(401, {"error": "Authentication failed. Invalid client credentials!"}))

    code, out, err = run_xray(
        capsys, str(output_xml), "--deployment", "cloud", "--base-url", xray.url, "--project-key", "PZ"
    )

    assert (code, out) == (1, "")
    assert (
        one_line_error(err) == "Xray rejected the credentials (401): Authentication failed. Invalid client credentials!"
    )
    assert [request.path for request in xray.requests] == ["/api/v2/authenticate"]


# --- errors and retries ------------------------------------------------------------------------------------------


def test_rejected_token_is_one_line_with_xrays_error_text(xray, output_xml, server_token, capsys):
    xray.answer("/rest/raven/2.0/import/execution/robot", Answer(401, {"error": "Personal access token expired"}))

    code, out, err = run_xray(capsys, str(output_xml), "--base-url", xray.url, "--project-key", "PZ")

    assert (code, out) == (1, "")
    assert one_line_error(err) == "Xray rejected the credentials (401): Personal access token expired"
    assert len(xray.requests) == 1  # a rejected token is not retried


def test_refused_import_shows_xrays_reason(xray, output_xml, server_token, capsys):
    xray.answer("/rest/raven/2.0/import/execution/robot", Answer(400, {"error": "Project 'PX' does not exist."}))

    code, _, err = run_xray(capsys, str(output_xml), "--base-url", xray.url, "--project-key", "PX")

    assert code == 1
    assert one_line_error(err) == "Xray refused the import (400): Project 'PX' does not exist."


def test_rate_limit_is_retried_after_the_time_xray_asks(xray, output_xml, server_token, capsys):
    xray.answer(
        "/rest/raven/2.0/import/execution/robot",
        Answer(429, {"error": "Too many requests"}, {"Retry-After": "0"}),
        server_created(xray),
    )

    code, out, err = run_xray(capsys, str(output_xml), "--base-url", xray.url, "--project-key", "PZ")

    assert (code, err) == (0, "")
    assert "PZ-14123" in out
    assert len(xray.requests) == 2
    assert xray.requests[0].body == xray.requests[1].body  # the retry sends the whole report again


def test_server_errors_give_up_after_the_configured_attempts(xray, output_xml, server_token, capsys):
    xray.answer("/rest/raven/2.0/import/execution/robot", Answer(500, {"error": "Unexpected error in Xray"}))

    code, out, err = run_xray(capsys, str(output_xml), "--base-url", xray.url, "--project-key", "PZ", "--retries", "2")

    assert (code, out) == (1, "")
    assert one_line_error(err) == (
        "Xray unavailable after 3 attempts: HTTP 500 from "
        f"{xray.url}/rest/raven/2.0/import/execution/robot?projectKey=PZ&testEnvironments=lab: Unexpected error in Xray"
    )
    assert len(xray.requests) == 3


def test_unanswered_import_is_not_sent_twice(xray, output_xml, server_token, capsys):
    # A POST that timed out may have created a Test Execution already: one attempt, one line naming the URL.
    xray.answer("/rest/raven/2.0/import/execution/robot", Answer(200, {}, delay=1.0))

    code, _, err = run_xray(capsys, str(output_xml), "--base-url", xray.url, "--project-key", "PZ", "--timeout", "0.2")

    assert code == 1
    url = f"{xray.url}/rest/raven/2.0/import/execution/robot"
    assert one_line_error(err) == f"Xray did not answer within 0.2 s at {url}"
    assert len(xray.requests) == 1


def test_refused_connection_names_the_url(output_xml, server_token, capsys):
    with ClosedPort() as closed:
        base = f"http://127.0.0.1:{closed.port}"
        code, out, err = run_xray(capsys, str(output_xml), "--base-url", base, "--project-key", "PZ", "--retries", "1")

    assert (code, out) == (1, "")
    url = f"{base}/rest/raven/2.0/import/execution/robot"
    assert one_line_error(err) == f"Cannot reach Xray at {url}: connection refused"


# --- usage and settings errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--project-key", "PZ"], "xray: Xray base URL is not set: pass --base-url or set XRAY_BASE_URL"),
        (["--base-url", "http://127.0.0.1:1"], "xray: Xray needs a project or a Test Execution to import into"),
        (["--base-url", "http://127.0.0.1:1", "--project-key", "PZ"], "xray: XRAY_TOKEN not set"),
        (
            ["--base-url", "http://127.0.0.1:1", "--project-key", "PZ", "--deployment", "cloud"],
            "xray: XRAY_CLIENT_ID and XRAY_CLIENT_SECRET not set",
        ),
        (
            ["--base-url", "http://127.0.0.1:1", "--test-exec-key", "PZ-1", "--summary", "S"],
            "xray: --summary creates a new Test Execution",
        ),
    ],
)
def test_unusable_settings_exit_2_before_sending(output_xml, capsys, argv, message):
    code, out, err = run_xray(capsys, str(output_xml), *argv)

    assert (code, out) == (2, "")
    assert one_line_error(err).startswith(message)


def test_missing_output_exits_2(tmp_path, server_token, capsys):
    missing = tmp_path / "output.xml"

    code, _, err = run_xray(capsys, str(missing), "--base-url", "http://127.0.0.1:1", "--project-key", "PZ")

    assert code == 2
    assert one_line_error(err) == f"xray: output.xml not found: {missing}"


# --- dry run -----------------------------------------------------------------------------------------------------


def test_dry_run_shows_the_request_and_sends_nothing(xray, output_xml, server_token, capsys):
    code, out, err = run_xray(
        capsys, str(output_xml), "--base-url", xray.url, "--project-key", "PZ", "--revision", "0123abc", "--dry-run"
    )

    assert (code, err) == (0, "")
    assert xray.requests == []
    size = output_xml.stat().st_size
    assert out.splitlines() == [
        "Dry run: nothing is sent to Xray.",
        f"POST {xray.url}/rest/raven/2.0/import/execution/robot?projectKey=PZ&testEnvironments=lab&revision=0123abc",
        "  Authorization: Bearer <XRAY_TOKEN>",
        "  Content-Type: multipart/form-data",
        f"  part file: {output_xml} ({size} bytes, application/xml)",
        "Sending needs XRAY_TOKEN in the environment (XRAY_TOKEN is set).",
    ]


def test_dry_run_needs_no_credentials_and_names_them(xray, output_xml, capsys):
    code, out, _ = run_xray(
        capsys, str(output_xml), "--base-url", xray.url, "--deployment", "cloud", "--project-key", "PZ", "--dry-run"
    )

    assert code == 0
    assert xray.requests == []
    assert f"POST {xray.url}/api/v2/authenticate" in out
    assert "Authorization: Bearer <token from /api/v2/authenticate>" in out
    assert "Content-Type: application/xml" in out
    assert out.splitlines()[-1] == (
        "Sending needs XRAY_CLIENT_ID and XRAY_CLIENT_SECRET in the environment "
        "(XRAY_CLIENT_ID is NOT set, XRAY_CLIENT_SECRET is NOT set)."
    )


# --- the real command line ---------------------------------------------------------------------------------------


def xray_command(*argv: str, environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``focus-infra xray`` as a CI job runs it: its own process, credentials only in its environment."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("XRAY_")} | environ
    done = subprocess.run(
        [FOCUS_INFRA, "xray", *argv],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert_no_secrets(done.stdout + done.stderr)
    return done


def test_command_line_imports_with_credentials_from_the_environment(xray, output_xml):
    xray.answer("/rest/raven/2.0/import/execution/robot", server_created(xray))

    done = xray_command(
        str(output_xml),
        "--project-key",
        "PZ",
        environ={"XRAY_BASE_URL": xray.url, "XRAY_TOKEN": TOKEN, "XRAY_DEPLOYMENT": "server"},
    )

    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"Xray Test Execution PZ-14123: {xray.url}/browse/PZ-14123\n"
    (request,) = xray.requests
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.parts()["file"][1] == output_xml.read_bytes()


def test_command_line_reports_a_rejected_token_with_exit_1(xray, output_xml):
    xray.answer("/rest/raven/2.0/import/execution/robot", Answer(403, {"error": "You do not have permission"}))

    done = xray_command(
        str(output_xml), "--project-key", "PZ", environ={"XRAY_BASE_URL": xray.url, "XRAY_TOKEN": TOKEN}
    )

    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "Xray rejected the credentials (403): You do not have permission\n"


def test_command_line_usage_error_exits_2(output_xml):
    done = xray_command(str(output_xml), "--project-key", "PZ", environ={})

    assert done.returncode == 2
    assert done.stderr == "xray: Xray base URL is not set: pass --base-url or set XRAY_BASE_URL\n"
