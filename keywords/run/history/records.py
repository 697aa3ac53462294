"""What the history keeps of a run, read from its result model: one record per run and one per Jira case.

Nothing is measured again: durations come from the result, the numbers a case measured from the measurement
lines its keywords logged (:mod:`keywords.common.measurements`), verdicts from :mod:`keywords.run.verdicts` (NOT RUN and
NOT CHECKED included).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from robot.result import TestSuite

from keywords.common.measurements import measurements_of
from keywords.run.cases import Case, case_of
from keywords.run.verdicts import exit_code, outcome_of, outcomes, verdicts

FIRST_LINE_LIMIT = 500


@dataclass(frozen=True)
class CaseRecord:
    key: str
    title: str
    priority: str
    layer: str
    component: str
    verdict: str
    seconds: float
    message: str
    measurements: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    environment: str
    name: str
    started: datetime
    seconds: float
    revision: str
    exit_code: int
    cases: tuple[CaseRecord, ...]


def run_record(
    top: TestSuite,
    expected: Iterable[Case],
    environment: str,
    revision: str,
    measured: dict[str, dict[str, dict[str, float]]] | None = None,
) -> RunRecord:
    """The record of the run whose top result suite is ``top``; ``expected`` are the cases it selected.

    ``measured`` (``{test full name: measurements}``) is what a listener collected during the run; without it
    the measurements are read from the tests' bodies (an ``output.xml``).
    """
    results = verdicts(outcomes(top, expected))
    seconds: dict[str, float] = {}
    by_key: dict[str, dict[str, dict[str, float]]] = {}
    for test in top.all_tests:
        case = case_of(test)
        if case and outcome_of(test):
            seconds[case.key] = seconds.get(case.key, 0.0) + test.elapsed_time.total_seconds()
            found = measured.get(test.full_name, {}) if measured is not None else measurements_of(test)
            by_key.setdefault(case.key, {}).update(found)
    cases = tuple(
        CaseRecord(
            key=key,
            title=verdict.case.title,
            priority=verdict.case.priority,
            layer=verdict.case.layer,
            component=verdict.case.component,
            verdict=verdict.status,
            seconds=round(seconds.get(key, 0.0), 3),
            message=(verdict.causes().splitlines() or [""])[0][:FIRST_LINE_LIMIT],
            measurements=by_key.get(key, {}),
        )
        for key, verdict in results.items()
    )
    started = top.start_time.astimezone(UTC) if top.start_time else datetime.now(UTC)  # naive: local time
    identity = f"{top.name}|{started.isoformat()}|{environment}"
    return RunRecord(
        run_id=hashlib.sha256(identity.encode()).hexdigest()[:32],
        environment=environment,
        name=top.name,
        started=started,
        seconds=round(top.elapsed_time.total_seconds(), 3),
        revision=revision,
        exit_code=exit_code(results),
        cases=cases,
    )
