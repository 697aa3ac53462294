"""After every diagnosed run: the run is added to the history and, where configured, published as metrics.

Called by :class:`keywords.run.report.RunReport` (plain robot through its listener, pabot's merged output through
``focus-infra report``). A history or metrics target that cannot be reached is said on stderr; it never
changes the run's verdict.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from robot.result import TestSuite

from keywords.common.redaction import redact
from keywords.run.cases import Case
from keywords.run.history.metrics import PUSH_URL_VARIABLE, TEXTFILE_VARIABLE, push, registry_for, write_textfile
from keywords.run.history.records import run_record
from keywords.run.history.store import HistoryStore, history_url, shown_url
from keywords.run.revision import suite_revision


def remember_run(
    top: TestSuite,
    expected: Sequence[Case],
    environment: str,
    folder: Path,
    measured: dict[str, dict[str, dict[str, float]]] | None = None,
) -> None:
    """Record the run of ``top`` in the history and publish its metrics; problems are warnings on stderr.

    ``measured``: the measurements a listener collected per test during the run
    (see :mod:`keywords.common.measurements`).
    """
    record = run_record(top, expected, environment, suite_revision(), measured)
    url = history_url(folder)
    try:
        store = HistoryStore(url)
        store.migrate()
        store.add(record)
    except Exception as error:  # noqa: BLE001 - any database failure: the verdict stands, the history says why not
        _warn(f"run history not recorded in {shown_url(url)}: {type(error).__name__}: {error}")
    gates = {case.key: case.gate for case in expected}
    registry = registry_for(record, gates)
    if os.environ.get(PUSH_URL_VARIABLE):
        try:
            push(registry, os.environ[PUSH_URL_VARIABLE], environment)
        except Exception as error:  # noqa: BLE001 - the Pushgateway being down must not fail the run
            _warn(f"metrics not pushed to {os.environ[PUSH_URL_VARIABLE]}: {error}")
    if os.environ.get(TEXTFILE_VARIABLE):
        try:
            write_textfile(registry, os.environ[TEXTFILE_VARIABLE])
        except OSError as error:
            _warn(f"metrics textfile {os.environ[TEXTFILE_VARIABLE]} not written: {error}")


def _warn(message: str) -> None:
    print(redact(message).splitlines()[0], file=sys.__stderr__)
