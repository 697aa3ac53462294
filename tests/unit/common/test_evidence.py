"""Evidence blocks: bounded and redacted whoever collected them, read back from a result, summarised by case."""

from __future__ import annotations

from robot import run
from robot.api import ExecutionResult

from keywords.common import redaction
from keywords.common.evidence import MAX_LINE_CHARS, MAX_LINES, bounded, evidence_by_case, parsed_evidence
from keywords.kubernetes.evidence import MAX_EVENTS, endpoint_addresses, event_lines, unhealthy_pods
from keywords.kubernetes.library import _NotRead, _read_for_evidence
from keywords.run.diagnosis import EVIDENCE_SUMMARY_LINES, robot_documentation

SUITE = """*** Settings ***
Library    keywords.common.evidence

*** Test Cases ***
Failing With Evidence
    [Tags]    PZ-1
    No Operation
    [Teardown]    Log Evidence    pod p-1    ${{ ["events:", "- Warning BackOff"] }}

Without Key
    Log Evidence    ignored    ${{ ["x"] }}
"""


def test_a_block_is_cut_to_its_bounds():
    block = bounded("t", ["x" * (MAX_LINE_CHARS + 10), *(["y"] * (MAX_LINES + 5))])
    assert len(block.lines) == MAX_LINES + 1
    assert block.lines[0] == "x" * (MAX_LINE_CHARS - 3) + "..."
    assert block.lines[-1] == f"... (more than {MAX_LINES} lines; the rest left out)"


def test_a_block_never_holds_a_known_secret(monkeypatch):
    monkeypatch.setattr(redaction, "_known", {"s3cr3t-value-123"})
    block = bounded("mongodb://u:s3cr3t-value-123@db", ["password=s3cr3t-value-123"])
    assert "s3cr3t" not in block.text()


def test_blocks_are_read_back_from_teardowns_and_grouped_by_jira_key(tmp_path):
    suite = tmp_path / "evidence.robot"
    suite.write_text(SUITE, encoding="utf-8")
    run(str(suite), outputdir=str(tmp_path), report=None, log=None, stdout=None)
    found = evidence_by_case(ExecutionResult(str(tmp_path / "output.xml")).suite)
    assert {key: [block.text() for block in blocks] for key, blocks in found.items()} == {
        "PZ-1": ["evidence pod p-1\nevents:\n- Warning BackOff"]
    }
    assert parsed_evidence("evidently not") is None


def test_the_report_shows_evidence_as_preformatted_text():
    markdown = "## Evidence\n\n### PZ-1 evidence: pod\n\n```\nline | with pipe |\n```"
    assert robot_documentation(markdown).splitlines()[-1] == "| line | with pipe"
    assert EVIDENCE_SUMMARY_LINES >= 10


def test_warning_events_come_first_then_the_newest():
    events = [
        {"type": "Normal", "reason": "Pulled", "lastTimestamp": "2025-01-01T00:00:09Z", "message": "pulled"},
        {"type": "Warning", "reason": "Old", "lastTimestamp": "2025-01-01T00:00:01Z", "message": "old", "count": 2},
        {"type": "Warning", "reason": "BackOff", "lastTimestamp": "2025-01-01T00:00:05Z", "message": "back-off"},
    ]
    assert event_lines(events) == [
        "Warning BackOff (x1, last 2025-01-01T00:00:05Z): back-off",
        "Warning Old (x2, last 2025-01-01T00:00:01Z): old",
        "Normal Pulled (x1, last 2025-01-01T00:00:09Z): pulled",
    ]
    many = event_lines([{"type": "Normal", "reason": "R", "message": "m"}] * (MAX_EVENTS + 2))
    assert many[-1] == "... 2 older event(s) left out"
    assert event_lines([]) == ["no events (the API server keeps them for an hour by default)"]


def test_endpoint_addresses_name_their_pods():
    endpoints = {
        "subsets": [
            {"addresses": [{"ip": "10.0.0.1", "targetRef": {"name": "a"}}], "notReadyAddresses": [{"ip": "10.0.0.2"}]}
        ]
    }
    assert endpoint_addresses(endpoints) == (["10.0.0.1 (a)"], ["10.0.0.2"])
    assert endpoint_addresses(None) == ([], [])


def test_unhealthy_pods_are_those_a_pod_check_fails_for():
    def pod(name, phase="Running", ready=True, restarts=0):
        return {"name": name, "phase": phase, "ready": ready, "restarts": restarts}

    pods = [pod("ok"), pod("pending", phase="Pending"), pod("unready", ready=False), pod("looping", restarts=5)]
    assert [p["name"] for p in unhealthy_pods(pods, max_restarts=5)] == ["pending", "unready", "looping"]


def test_what_evidence_cannot_read_is_a_line_saying_why_never_a_failure():
    def forbidden():
        raise AssertionError("Kubernetes API https://k:6443: list events failed: forbidden (403)")

    assert _read_for_evidence(float("inf"), forbidden) == _NotRead("not read: list events failed: forbidden (403)")
    spent = _read_for_evidence(0.0, lambda: "never called")
    assert spent == _NotRead("not read: the evidence's time budget is spent")
    assert not isinstance(_read_for_evidence(float("inf"), lambda: "not read: a log line"), _NotRead)
