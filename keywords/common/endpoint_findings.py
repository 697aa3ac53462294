"""Endpoints found not answering during this run, so that no case waits out the same timeout again.

A hung or black-holed endpoint costs a whole timeout per connection attempt. Once one check (or the probe at the
start of the run, :mod:`keywords.common.endpoint_probe`) has waited that timeout, every later check that needs the same
endpoint fails at once, naming the finding: the verdict is the same, only the wait is not repeated. Refused
connections and DNS failures are not recorded: they are found again in milliseconds, and may have recovered.

The findings live in this process: one ``robot`` run (or one pabot worker).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

from keywords.run.cases import case_key


@dataclass(frozen=True)
class Finding:
    target: str
    cause: str
    found_by: str
    clock: str


_FINDINGS: dict[str, Finding] = {}


def record_not_answering(target: str, cause: str, found_by: str | None = None) -> None:
    """Remember that ``target`` (``host:port``) did not answer, and why; ``found_by`` defaults to the running case."""
    if target not in _FINDINGS:
        _FINDINGS[target] = Finding(target, cause, found_by or _running_case(), time.strftime("%H:%M:%S"))


def blocked_cause(target: str) -> str | None:
    """The cause a check needing ``target`` fails with at once, or ``None`` when nothing is known against it."""
    finding = _FINDINGS.get(target)
    if finding is None:
        return None
    return (
        f"not answering: {finding.cause} (blocked: {finding.found_by} found {target} not answering at "
        f"{finding.clock}; not waited for again)"
    )


def fail_if_found_not_answering(target: str, failure_prefix: str) -> None:
    """Fails at once, with the layer's ``AssertionError`` ``<failure_prefix>: <the finding>``, when ``target`` was
    already found not answering in this run; returns when nothing is known against it.

    | fail_if_found_not_answering(f"{host}:{port}", f"MongoDB network failure at {host}:{port} during connect")
    """
    blocked = blocked_cause(target)
    if blocked:
        raise AssertionError(f"{failure_prefix}: {blocked}")


def forget_all() -> None:
    """A new run starts with no findings."""
    _FINDINGS.clear()


def _running_case() -> str:
    try:
        variables = BuiltIn().get_variables()
    except RobotNotRunningError:
        return "an earlier check"
    if "${TEST_NAME}" not in variables:
        return "an earlier check"
    return case_key(variables["@{TEST_TAGS}"]) or f"test '{variables['${TEST_NAME}']}'"
