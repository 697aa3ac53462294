"""An outcome belongs to the test that met it: "not checked" is decided from each test's own failure, so an unusable
setting met at the start of a run, in another test or caught inside a keyword never changes another verdict (a real
Robot run of throw-away suites, with the run's own listener from ``resources/common.resource``)."""

from __future__ import annotations

import pytest
from robot import run
from robot.api import ExecutionResult

from keywords.common.failure_text import causes
from keywords.common.outcomes import NOT_CHECKED_TAG
from keywords.run.verdicts import outcome_of
from tests.helpers import REPO_ROOT

#: A library that meets unusable settings where a keyword library can: at the start of the run (as the endpoint
#: probe does), raised by a keyword, or made and caught inside one (a fallback).
LIBRARY = """
from robot.api.deco import keyword, library
from keywords.common.outcomes import SettingsUnusable


@library(scope="GLOBAL", listener="SELF")
class Settings:
    ROBOT_LISTENER_API_VERSION = 3

    def start_suite(self, data, result):
        SettingsUnusable("SSH", "ssh.jump_host.password needs environment variable UNSET, which is not set")

    @keyword
    def unusable(self, layer="SSH"):
        raise SettingsUnusable(layer, "ssh.jump_host.password needs environment variable UNSET, which is not set")

    @keyword
    def fall_back(self):
        try:
            raise SettingsUnusable("MongoDB", "mongodb.password needs environment variable UNSET, which is not set")
        except SettingsUnusable:
            return "the configuration's own timeouts"
"""
SUITE = """*** Settings ***
Resource    {common}
Library     {library}

*** Test Cases ***
Refused MongoDB
    [Tags]    PZ-13806
    Fail    MongoDB network failure at 127.0.0.1:1 during connect: connection refused

Unset SSH Secret
    [Tags]    PZ-13900
    Unusable

Fallback Then A Real Failure
    [Tags]    PZ-13807
    Fall Back
    Fail    Configuration differs from the expected values: port: expected 1 (int), got 2 (int)

Unusable Settings Beside A Real Failure
    [Tags]    PZ-13899    robot:continue-on-failure
    Unusable    Kubernetes API
    Fail    Kubernetes API https://127.0.0.1:1 unreachable: connection refused

Two Unusable Sections
    [Tags]    PZ-13898    robot:continue-on-failure
    Unusable    MongoDB
    Unusable    Kubernetes API

Unusable Settings Caught By The Test
    [Tags]    PZ-13808
    Run Keyword And Expect Error    *not checked*    Unusable
    Fail    MongoDB performance at 127.0.0.1:1: ping median 150.0 ms is at or above the 100 ms threshold

Unusable Settings In The Teardown Only
    [Tags]    PZ-99999
    No Operation
    [Teardown]    Unusable

Passing After Another Test Met Unusable Settings
    [Tags]    PZ-99998
    No Operation

Same Words, Written By The Test Itself
    [Tags]    PZ-99997
    Fail    SSH not checked, the environment's settings are unusable: said by a test, not met
"""


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory) -> dict[str, tuple[str, bool]]:
    """``{test name: (verdict, has the not-checked tag)}`` of one run of the suite above."""
    folder = tmp_path_factory.mktemp("outcomes")
    (folder / "settings_library.py").write_text(LIBRARY, encoding="utf-8")
    suite = folder / "outcomes.robot"
    suite.write_text(
        SUITE.format(common=REPO_ROOT / "resources" / "common.resource", library=folder / "settings_library.py"),
        encoding="utf-8",
    )
    run(str(suite), outputdir=str(folder), report="NONE", log="NONE", stdout=None, variable=["ENV:none"])
    tests = ExecutionResult(str(folder / "output.xml")).suite.all_tests
    return {test.name: (outcome_of(test).status, NOT_CHECKED_TAG in test.tags) for test in tests}


@pytest.mark.parametrize(
    ("test", "verdict"),
    [
        ("Refused MongoDB", "FAIL"),  # the settings problem the run met at its start is not this test's
        ("Unset SSH Secret", "NOT CHECKED"),
        ("Fallback Then A Real Failure", "FAIL"),
        ("Unusable Settings Beside A Real Failure", "FAIL"),  # a real failure is a broken layer, whatever else
        ("Two Unusable Sections", "NOT CHECKED"),
        ("Unusable Settings Caught By The Test", "FAIL"),
        ("Unusable Settings In The Teardown Only", "NOT CHECKED"),
        ("Passing After Another Test Met Unusable Settings", "PASS"),
        ("Same Words, Written By The Test Itself", "FAIL"),  # only an error the test met marks it
    ],
)
def test_each_test_is_not_checked_only_for_unusable_settings_it_met_itself(verdicts, test, verdict):
    assert verdicts[test] == (verdict, verdict == "NOT CHECKED")


def test_causes_are_each_failure_of_a_message_continued_on_and_in_the_teardown():
    message = "Several failures occurred:\n\n1) first\n\n2) second\nline\n\nAlso teardown failed:\nthird"
    assert causes(message) == ["first", "second\nline", "third"]
    assert causes("Teardown failed:\nonly") == ["only"]
    assert causes("") == []
