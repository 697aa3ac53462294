"""Diagnoses every plain ``robot`` run, whatever folder or file it is given, and writes its artefacts."""

from __future__ import annotations

from robot.api.deco import library
from robot.libraries.BuiltIn import BuiltIn
from robot.result import TestSuite as ResultSuite
from robot.running import TestSuite as RunningSuite

from keywords.common.evidence import Evidence, parsed_evidence
from keywords.common.failure_text import most_important_first
from keywords.common.measurements import parsed_measurement
from keywords.common.outcomes import NOT_CHECKED_TAG, test_ended, test_started
from keywords.common.redaction import redact
from keywords.run.cases import cases_in
from keywords.run.report import RunReport


def _root(suite):
    while suite.parent is not None:
        suite = suite.parent
    return suite


@library(scope="GLOBAL", listener="SELF", auto_keywords=False)
class RunDiagnosis:
    """Imported by ``resources/common.resource``; it has no keywords.

    A library listener hears only the suites that import its library. So it diagnoses when the top suite ends,
    if it hears that, and otherwise as soon as every selected test has a result (the end of the last suite that
    imports it, e.g. ``robot suites/mongodb`` or ``robot suites/ssh/PZ-13900*.robot``): the top suite's report
    metadata is still unwritten then. The selected cases are the top suite's running tests after Robot's own
    filtering, so a case without a result is named NOT RUN.

    At the end of each test it tags it ``not-checked`` when the test failed only on unusable settings it met
    itself (:mod:`keywords.common.outcomes`), and redacts and orders its message.

    Under pabot each worker sees only part of the run, so it stays silent there; ``run.sh main`` diagnoses the
    merged output with ``focus-infra report``. Dry runs check syntax, not infrastructure: silent too.
    """

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self) -> None:
        self._report: RunReport | None = None
        self._test: str | None = None
        #: ``{test full name: {measurement: values}}``: Robot keeps no keyword bodies in its model during a run.
        self._measured: dict[str, dict[str, dict[str, float]]] = {}
        #: ``{test full name: [evidence]}``, for the same reason.
        self._evidence: dict[str, list[Evidence]] = {}

    def start_test(self, data, result) -> None:
        self._test = result.full_name
        test_started()

    def end_test(self, data, result) -> None:
        self._test = None
        # Decided from this test's own failure, so that no other test's settings can make it "not checked".
        if test_ended(result.failed, result.message):
            result.tags.add(NOT_CHECKED_TAG)
        # The one redaction every failure message passes through, before the output or a report holds it.
        result.message = redact(most_important_first(result.message))

    def end_keyword(self, data, result) -> None:
        result.message = redact(result.message)

    def log_message(self, message) -> None:
        message.message = redact(message.message)
        if self._test is None:
            return
        parsed = parsed_measurement(message.message)
        if parsed:
            self._measured.setdefault(self._test, {})[parsed[0]] = parsed[1]
        evidence = parsed_evidence(message.message)
        if evidence:
            self._evidence.setdefault(self._test, []).append(evidence)

    def end_suite(self, data: RunningSuite, result: ResultSuite) -> None:
        if self._silent():
            return
        top_data, top_result = _root(data), _root(result)
        all_done = sum(1 for _ in top_result.all_tests) >= sum(1 for _ in top_data.all_tests)
        if result.parent is not None and not all_done:
            return
        if self._report is None:
            builtin = BuiltIn()
            self._report = RunReport(
                builtin.get_variable_value("${OUTPUT DIR}"),
                cases_in(top_data),
                environment=builtin.get_variable_value("${ENV}", ""),
                measured=self._measured,
                evidence=self._evidence,
            )
        # At the top suite's end again: its teardown may have changed verdicts; the text is printed only if so.
        self._report.start_suite(top_result)

    @staticmethod
    def _silent() -> bool:
        builtin = BuiltIn()
        return builtin.dry_run_active or builtin.get_variable_value("${PABOTQUEUEINDEX}") is not None
