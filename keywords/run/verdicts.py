"""Verdicts of a run, per test and per Jira case, read from a result model and the cases the run selected.

Beyond Robot's PASS, FAIL and SKIP: NOT CHECKED (the test failed with the ``not-checked`` tag: its settings were
unusable) and NOT RUN (selected, but no result in the output: a killed worker, a crashed suite).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from robot.result import TestSuite

from keywords.common.outcomes import NOT_CHECKED_TAG
from keywords.run.cases import Case, case_of
from keywords.run.diagnosis_rules import FAIL, NOT_CHECKED, NOT_RUN, PASS, SKIP

NOT_RUN_TAG = "not-run"
#: Why a selected case may have no result; the run's console says which (e.g. a lab that refused to start).
NOT_RUN_CAUSES = "a killed worker, a crashed suite, or a run that stopped before its tests"
NOT_RUN_MESSAGE = f"Not run: selected for this run but no result in its output ({NOT_RUN_CAUSES})"
#: Verdicts that fail the run, whatever Robot's own statistics say.
RUN_FAILING = (FAIL, NOT_RUN, NOT_CHECKED)


@dataclass(frozen=True)
class Outcome:
    """One test's result for its case."""

    case: Case
    status: str
    message: str


@dataclass
class CaseVerdict:
    """Every test that carries one Jira key; any failure fails the key."""

    key: str
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def case(self) -> Case:
        return self.outcomes[0].case

    @property
    def status(self) -> str:
        statuses = {outcome.status for outcome in self.outcomes}
        for status in (FAIL, NOT_RUN, NOT_CHECKED):
            if status in statuses:
                return status
        return SKIP if statuses == {SKIP} else PASS

    def failing(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.status in RUN_FAILING]

    def causes(self) -> str:
        failing = self.failing()
        if len(failing) == 1:
            return failing[0].message
        return "; ".join(f"{outcome.case.title}: {outcome.message}" for outcome in failing)


def outcome_of(test) -> Outcome | None:
    """The outcome of a result test with a Jira key."""
    case = case_of(test)
    if case is None:
        return None
    status = test.status
    if status == FAIL and NOT_CHECKED_TAG in test.tags:
        status = NOT_CHECKED
    if NOT_RUN_TAG in test.tags:
        status = NOT_RUN
    return Outcome(case, status, test.message.splitlines()[0] if test.message else "")


def outcomes(suite: TestSuite, expected: Iterable[Case] = ()) -> list[Outcome]:
    """Outcomes of every Jira-tagged test in ``suite``, then NOT RUN for each ``expected`` case without a result."""
    found = [outcome for outcome in map(outcome_of, suite.all_tests) if outcome]
    results = defaultdict(int)
    for outcome in found:
        results[outcome.case.key, outcome.case.title] += 1
    missing = []
    for case in expected:
        if results[case.key, case.title]:
            results[case.key, case.title] -= 1
        else:
            missing.append(Outcome(case, NOT_RUN, NOT_RUN_MESSAGE))
    return found + missing


def verdicts(found: Iterable[Outcome]) -> dict[str, CaseVerdict]:
    """``{Jira key: CaseVerdict}`` in the order the keys first appear."""
    by_key: dict[str, CaseVerdict] = {}
    for outcome in found:
        by_key.setdefault(outcome.case.key, CaseVerdict(outcome.case.key)).outcomes.append(outcome)
    return by_key


def run_failed(results: dict[str, CaseVerdict]) -> bool:
    return any(verdict.status in RUN_FAILING for verdict in results.values())


#: Exit codes of a diagnosed run, so that a pipeline tells a broken infrastructure from a broken run of the suite.
#: 2 is left to usage errors (argparse's own).
EXIT_PASSED, EXIT_INFRASTRUCTURE_FAILED, EXIT_NOT_CHECKED, EXIT_NOT_RUN = 0, 1, 3, 4


def exit_code(results: dict[str, CaseVerdict]) -> int:
    """0 every case passed (or was skipped); 1 a case failed its check; else 4 a case has no result; else 3 a
    case could not be checked (the suite's settings are unusable)."""
    statuses = {verdict.status for verdict in results.values()}
    for status, code in ((FAIL, EXIT_INFRASTRUCTURE_FAILED), (NOT_RUN, EXIT_NOT_RUN), (NOT_CHECKED, EXIT_NOT_CHECKED)):
        if status in statuses:
            return code
    return EXIT_PASSED
