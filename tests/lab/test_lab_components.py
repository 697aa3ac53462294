"""Starting lab components: a failure part-way stops everything started so far, including the failing one."""

from __future__ import annotations

import pytest

from lab.component import LabContext, start_all


class Recorder:
    def __init__(self, name: str, log: list[str], fails: bool = False) -> None:
        self.name, self.log, self.fails = name, log, fails

    def start(self, context: LabContext) -> dict[str, str]:
        self.log.append(f"start {self.name}")
        if self.fails:
            raise RuntimeError(f"{self.name} failed")
        return {self.name.upper(): "up"}

    def stop(self) -> None:
        self.log.append(f"stop {self.name}")


def test_components_start_in_order_and_publish_for_the_next(tmp_path):
    log: list[str] = []
    context = LabContext(tmp_path)
    start_all([Recorder("mongodb", log), Recorder("ssh", log)], context)
    assert log == ["start mongodb", "start ssh"]
    assert context.published == {"MONGODB": "up", "SSH": "up"}


def test_failed_start_stops_the_failing_component_and_those_before_it_in_reverse(tmp_path):
    log: list[str] = []
    components = [Recorder("mongodb", log), Recorder("kubernetes", log, fails=True), Recorder("ssh", log)]
    with pytest.raises(RuntimeError, match="kubernetes failed"):
        start_all(components, LabContext(tmp_path))
    assert log == ["start mongodb", "start kubernetes", "stop kubernetes", "stop mongodb"]
