"""``junit.xml`` for CI systems, written from a run's result model: Robot's own ``--xunit`` drops the tags.

Each test case is named ``<Jira key> <title>`` (what Jenkins and GitLab show in their test tables) and carries
the properties Xray's JUnit import reads (``test_key``) plus ``priority``, ``component`` and ``layer``. A case
that failed its check is a ``<failure>``; one whose settings were unusable or that has no result is an
``<error>`` (``type`` ``NotChecked`` or ``NotRun``): CI systems tell the two apart, as the diagnosis does. The
evidence a failing case collected (:mod:`keywords.common.evidence`) is its ``<system-out>``, which CI systems show
beside the failure.
"""

from __future__ import annotations

from pathlib import Path

from junitparser import Error, Failure, JUnitXml, Properties, Property, Skipped, TestCase, TestSuite
from robot.result import TestSuite as ResultSuite

from keywords.common.evidence import Evidence, evidence_for
from keywords.run.diagnosis_rules import FAIL, NOT_CHECKED, NOT_RUN, SKIP
from keywords.run.verdicts import outcome_of

_ERROR_TYPES = {NOT_CHECKED: "NotChecked", NOT_RUN: "NotRun"}


def junit_of(suite: ResultSuite, collected: dict[str, list[Evidence]] | None = None) -> JUnitXml:
    """One ``<testsuite>`` per Robot suite that holds tests, one ``<testcase>`` per test; ``collected`` is the
    evidence a listener heard per test (see :func:`keywords.common.evidence.evidence_for`)."""
    document = JUnitXml(suite.name)
    for leaf in _suites_with_tests(suite):
        junit_suite = TestSuite(leaf.full_name)
        junit_suite.timestamp = leaf.start_time.isoformat(timespec="seconds") if leaf.start_time else None
        for test in leaf.tests:
            junit_suite.add_testcase(_case(test, evidence_for(test, collected)))
        junit_suite.update_statistics()
        junit_suite.time = round(leaf.elapsed_time.total_seconds(), 3)
        document.add_testsuite(junit_suite)
    document.update_statistics()
    return document


def write_junit(suite: ResultSuite, path: Path, collected: dict[str, list[Evidence]] | None = None) -> Path:
    junit_of(suite, collected).write(str(path), pretty=True)
    return path


def _suites_with_tests(suite: ResultSuite):
    if suite.tests:
        yield suite
    for child in suite.suites:
        yield from _suites_with_tests(child)


def _case(test, evidence: list[Evidence]) -> TestCase:
    outcome = outcome_of(test)
    name = f"{outcome.case.key} {test.name}" if outcome else test.name
    case = TestCase(name, test.parent.full_name, round(test.elapsed_time.total_seconds(), 3))
    if outcome:
        properties = Properties()
        for key, value in (
            ("test_key", outcome.case.key),
            ("priority", outcome.case.priority),
            ("component", outcome.case.component),
            ("layer", outcome.case.layer),
        ):
            if value:
                properties.add_property(Property(key, value))
        case.append(properties)
    status = outcome.status if outcome else test.status
    first_line = test.message.splitlines()[0] if test.message else ""
    if status == FAIL:
        case.result = [_with_text(Failure(first_line, "AssertionError"), test.message)]
    elif status in _ERROR_TYPES:
        case.result = [_with_text(Error(first_line, _ERROR_TYPES[status]), test.message)]
    elif status == SKIP:
        case.result = [Skipped(first_line)]
    if evidence:
        case.system_out = "\n\n".join(block.text() for block in evidence)
    return case


def _with_text(result, text: str):
    result.text = text
    return result
