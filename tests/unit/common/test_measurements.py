"""Measurements logged by keywords are read back from the result model, at any depth of the test's body."""

from __future__ import annotations

from robot import run
from robot.api import ExecutionResult

from keywords.common.measurements import measurements_of

SUITE = """*** Settings ***
Library    keywords.common.measurements

*** Test Cases ***
Measured
    [Tags]    PZ-1
    Nested
    Log Measurement    mongodb.query_ms    ${{ {"median": 2.5} }}

*** Keywords ***
Nested
    Log Measurement    mongodb.ping_ms    ${{ {"median": 1.0, "p95": 1.5} }}
    Log Measurement    mongodb.ping_ms    ${{ {"median": 1.25, "p95": 1.75} }}
    Log    measurement not.a.measurement
"""


def test_measurements_are_found_nested_and_the_last_of_a_name_wins(tmp_path):
    suite = tmp_path / "measured.robot"
    suite.write_text(SUITE, encoding="utf-8")
    run(str(suite), outputdir=str(tmp_path), report=None, log=None, stdout=None)
    test = next(iter(ExecutionResult(str(tmp_path / "output.xml")).suite.all_tests))
    assert measurements_of(test) == {
        "mongodb.ping_ms": {"median": 1.25, "p95": 1.75},
        "mongodb.query_ms": {"median": 2.5},
    }
