"""The one bounded wait, on a fake clock: it ends at the deadline naming the last state, never later, never with a
bare timeout; it sleeps only the poll interval; it says each change of state once."""

from __future__ import annotations

import pytest

from keywords.kubernetes.waiting import TimedOut, Unsettled, wait_until
from tests.helpers import failure_of


class FakeClock:
    """Time passes only when the loop sleeps or a check says it took some."""

    def __init__(self) -> None:
        self.time = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.sleeps.append(seconds)
        self.time += seconds


class Scripted:
    """A check that reports ``states`` one per call (the last one from then on); ``None`` is a pass."""

    def __init__(self, clock: FakeClock, states: list[str | None], takes: float = 0.0) -> None:
        self.clock, self.states, self.takes = clock, states, takes
        self.calls: list[tuple[float, float]] = []  # (when, deadline given)

    def __call__(self, deadline: float) -> str:
        self.calls.append((self.clock.time, deadline))
        self.clock.time += self.takes
        state = self.states[min(len(self.calls), len(self.states)) - 1]
        if state is None:
            return "rolled out"
        raise Unsettled(f"Kubernetes API https://k: Deployment panda/x is not rolled out: {state}", state)


def test_a_wait_that_never_settles_ends_at_its_deadline_naming_the_last_state():
    clock = FakeClock()
    check = Scripted(clock, ["0 of 2 replicas updated", "1 of 3 replicas updated, 2 ready, 2 available"])
    still = "Kubernetes API https://k: Deployment panda/x still not rolled out"
    message = failure_of(lambda: wait_until(check, 3, 0.5, still, clock=clock), TimedOut)
    assert message.splitlines()[0] == f"{still} after 3 s: 1 of 3 replicas updated, 2 ready, 2 available"
    assert clock.time == 1003.0  # exactly the deadline
    assert len(check.calls) == 6 and all(when < 1003.0 for when, _ in check.calls)  # none at the deadline


def test_a_wait_returns_what_the_check_returns_once_the_state_turns_good():
    clock = FakeClock()
    check = Scripted(clock, ["1 of 2 ready", "1 of 2 ready", None])
    assert wait_until(check, 30, 2, "x still not ready", clock=clock) == "rolled out"
    assert len(check.calls) == 3 and clock.sleeps == [2, 2]


def test_a_check_that_passes_at_once_does_not_sleep():
    clock = FakeClock()
    assert wait_until(Scripted(clock, [None]), 30, 2, "x", clock=clock) == "rolled out"
    assert clock.sleeps == []


def test_the_poll_interval_is_kept_and_the_last_sleep_stops_at_the_deadline():
    clock = FakeClock()
    with pytest.raises(TimedOut):
        wait_until(Scripted(clock, ["stuck"]), 5, 2, "x", clock=clock)
    assert clock.sleeps == [2, 2, 1]


def test_a_slow_check_shortens_the_sleep_and_never_carries_the_wait_past_its_deadline():
    clock = FakeClock()
    check = Scripted(clock, ["stuck"], takes=0.7)
    with pytest.raises(TimedOut):
        wait_until(check, 3, 1, "x", clock=clock)
    assert clock.time <= 1003.0 + 1e-9
    assert all(deadline == 1003.0 for _, deadline in check.calls)  # each check bounds its calls by the deadline
    assert all(sleep <= 1 for sleep in clock.sleeps)


def test_a_poll_longer_than_the_timeout_checks_once_and_ends_at_the_deadline():
    clock = FakeClock()
    check = Scripted(clock, ["stuck"])
    message = failure_of(lambda: wait_until(check, 3, 10, "x still not ready", clock=clock), TimedOut)
    assert message == "x still not ready after 3 s: stuck"
    assert len(check.calls) == 1 and clock.sleeps == [3]


def test_progress_says_each_change_of_state_once():
    clock = FakeClock()
    lines: list[str] = []
    check = Scripted(clock, ["0 of 2 ready", "0 of 2 ready", "1 of 2 ready", "1 of 2 ready", None])
    wait_until(check, 60, 1, "pods still not Ready", lines.append, clock=clock)
    assert lines == [
        "pods still not Ready (0.0 s of 60 s): 0 of 2 ready",
        "pods still not Ready (2.0 s of 60 s): 1 of 2 ready",
    ]


def test_progress_shows_the_first_line_of_a_state_the_failure_the_whole_state():
    clock = FakeClock()
    lines: list[str] = []
    state = "2 of 2 pod(s) not Ready:\n  pod a: phase Pending\n  pod b: phase Pending"
    message = failure_of(lambda: wait_until(Scripted(clock, [state]), 1, 1, "pods", lines.append, clock=clock))
    assert lines == ["pods (0.0 s of 1 s): 2 of 2 pod(s) not Ready:"]
    assert message == f"pods after 1 s: {state}"


def test_a_failure_that_is_not_a_state_ends_the_wait_at_once():
    clock = FakeClock()

    def forbidden(deadline: float) -> None:
        raise AssertionError("Kubernetes API https://k: get Secret panda/x failed: forbidden (403)")

    assert failure_of(lambda: wait_until(forbidden, 30, 1, "x", clock=clock)).endswith("forbidden (403)")
    assert clock.sleeps == []


def test_the_timeout_names_the_last_unsettled_state_and_keeps_its_evidence():
    clock = FakeClock()
    logged: list[str] = []

    def check(deadline: float) -> None:
        raise Unsettled("now", "stuck", lambda: logged.append("evidence"))

    with pytest.raises(TimedOut) as timed_out:
        wait_until(check, 1, 1, "x", clock=clock)
    timed_out.value.last.log_evidence()
    assert logged == ["evidence"] and timed_out.value.last.state == "stuck"


@pytest.mark.parametrize(("timeout", "poll"), [(0, 1), (1, 0), (-1, 1)])
def test_a_wait_without_time_is_misuse(timeout, poll):
    with pytest.raises(ValueError, match="must be more than 0 seconds"):
        wait_until(lambda deadline: None, timeout, poll, "x", clock=FakeClock())


def test_messages_are_redacted(monkeypatch):
    from keywords.common import redaction

    monkeypatch.setattr(redaction, "_known", {"Sup3r-S3cret"})
    unsettled = Unsettled("MONGODB_URI is mongodb://u:Sup3r-S3cret@db", "uri mongodb://u:Sup3r-S3cret@db")
    assert "Sup3r-S3cret" not in str(unsettled) and "Sup3r-S3cret" not in unsettled.state
