"""Shared fixtures: a lab started in-process from chosen components, found through ``$FOCUS_LAB_STATE``."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lab.component import LabComponent, LabContext, start_all, stop_all
from lab.state import LabState


def failure_of(action: Callable[[], object]) -> str:
    """The message of the AssertionError ``action`` must raise."""
    with pytest.raises(AssertionError) as failure:
        action()
    return str(failure.value)


@contextlib.contextmanager
def running_lab(folder: Path, components: list[LabComponent], faults: frozenset[str] = frozenset()) -> Iterator[dict]:
    """Start ``components`` like the lab process does, publish ``lab.env`` and point the suite's config at it."""
    folder.mkdir(parents=True, exist_ok=True)
    context = LabContext(state_dir=folder, faults=faults, published={"LAB_STATE": str(folder)})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FOCUS_LAB_STATE", str(folder))
        started = start_all(components, context)
        try:
            LabState(folder).publish(context.published)
            yield context.published
        finally:
            stop_all(started)
