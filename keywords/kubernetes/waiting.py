"""The one bounded wait of the ``... Within`` keywords: poll a check until it passes or the deadline comes, and on
timeout fail with the last state observed, never with a bare "did not succeed in time".

A check raises :class:`Unsettled` for a state that may still change (a rollout in progress, pods not Ready yet);
anything else it raises ends the wait at once (a 403 does not heal by waiting). The clock is a parameter, so the
loop is tested with a fake one: it sleeps only between checks, never longer than the poll interval, never past the
deadline, and does not check again once the deadline has come.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from keywords.common.redaction import redact

T = TypeVar("T")


class Unsettled(AssertionError):
    """A verification's failure for a state that may still change; ``state`` is that state without the layer and
    target (``1 of 3 replicas updated, 2 ready, 2 available``), ``evidence`` logs what explains it."""

    ROBOT_SUPPRESS_NAME = True

    def __init__(self, message: str, state: str, evidence: Callable[[], object] | None = None) -> None:
        super().__init__(redact(message))
        self.state = redact(state)
        self.evidence = evidence

    def log_evidence(self) -> None:
        if self.evidence is not None:
            self.evidence()


class TimedOut(AssertionError):
    """The wait's failure: ``<still> after <timeout> s: <last state>``; ``last`` is the last :class:`Unsettled`."""

    ROBOT_SUPPRESS_NAME = True

    def __init__(self, message: str, last: Unsettled) -> None:
        super().__init__(redact(message))
        self.last = last


class Clock(Protocol):
    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


@dataclass(frozen=True)
class MonotonicClock:
    """The real clock: ``time.monotonic`` and ``time.sleep``."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


MONOTONIC = MonotonicClock()


def wait_until(
    check: Callable[[float], T],
    timeout_s: float,
    poll_s: float,
    still: str,
    progress: Callable[[str], None] = lambda line: None,
    clock: Clock = MONOTONIC,
) -> T:
    """What ``check(deadline)`` returns once it stops raising :class:`Unsettled`; checks every ``poll_s`` seconds
    until ``timeout_s`` have passed, then raises :class:`TimedOut` whose first line is ``<still> after <timeout_s> s:
    <the last state>``. ``progress`` gets a line each time the observed state changes (so at most once a poll);
    ``check`` gets the deadline, to bound its own API calls by it."""
    if timeout_s <= 0 or poll_s <= 0:
        raise ValueError(f"timeout and poll must be more than 0 seconds, got {timeout_s:g} s and {poll_s:g} s")
    started = clock.now()
    deadline = started + timeout_s
    shown: str | None = None
    while True:
        try:
            return check(deadline)
        except Unsettled as unsettled:
            last = unsettled
        now = clock.now()
        if last.state != shown:
            shown = last.state
            progress(f"{still} ({now - started:.1f} s of {timeout_s:g} s): {last.state.splitlines()[0]}")
        if now >= deadline:
            break
        clock.sleep(min(poll_s, deadline - now))
        if clock.now() >= deadline:
            break
    raise TimedOut(f"{still} after {timeout_s:g} s: {last.state}", last)
