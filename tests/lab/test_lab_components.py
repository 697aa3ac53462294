"""Starting lab components: independent ones start together, a component starts after those it reads from, and a
failure part-way stops everything started so far, including the failing one."""

from __future__ import annotations

import threading

import pytest

from lab.component import LabContext, start_all


class Recorder:
    def __init__(
        self, name: str, log: list[str], fails: bool = False, after: tuple[str, ...] = (), barrier=None
    ) -> None:
        self.name, self.log, self.fails, self.after, self.barrier = name, log, fails, after, barrier
        self.seen: dict[str, str] = {}

    def start(self, context: LabContext) -> dict[str, str]:
        self.log.append(f"start {self.name}")
        self.seen = dict(context.published)
        if self.barrier:
            self.barrier.wait(timeout=5)  # breaks (and fails the test) unless the others start meanwhile
        if self.fails:
            raise RuntimeError(f"{self.name} failed")
        return {self.name.upper(): "up"}

    def stop(self) -> None:
        self.log.append(f"stop {self.name}")


def test_a_component_starts_after_those_it_reads_from_and_sees_what_they_published(tmp_path):
    log: list[str] = []
    context = LabContext(tmp_path)
    ssh = Recorder("ssh", log, after=("kubernetes",))
    start_all([ssh, Recorder("kubernetes", log)], context)
    assert log == ["start kubernetes", "start ssh"]
    assert ssh.seen == {"KUBERNETES": "up"}
    assert context.published == {"KUBERNETES": "up", "SSH": "up"}
    assert set(context.start_seconds) == {"kubernetes", "ssh"}


def test_independent_components_start_at_the_same_time(tmp_path):
    barrier = threading.Barrier(2)
    log: list[str] = []
    start_all(
        [Recorder("mongodb", log, barrier=barrier), Recorder("kubernetes", log, barrier=barrier)], LabContext(tmp_path)
    )
    assert not barrier.broken
    assert sorted(log) == ["start kubernetes", "start mongodb"]


def test_failed_start_stops_the_failing_component_and_those_before_it_in_reverse(tmp_path):
    log: list[str] = []
    components = [
        Recorder("mongodb", log),
        Recorder("kubernetes", log, fails=True, after=("mongodb",)),
        Recorder("ssh", log, after=("kubernetes",)),
    ]
    with pytest.raises(RuntimeError, match="kubernetes failed"):
        start_all(components, LabContext(tmp_path))
    assert log == ["start mongodb", "start kubernetes", "stop kubernetes", "stop mongodb"]


def test_a_component_waiting_for_one_that_is_not_there_is_refused(tmp_path):
    log: list[str] = []
    with pytest.raises(RuntimeError, match="never start: {'ssh': \\['kubernetes'\\]}"):
        start_all([Recorder("ssh", log, after=("kubernetes",))], LabContext(tmp_path))
    assert log == []
