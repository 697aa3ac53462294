"""The contract every lab component (MongoDB, Kubernetes API, SSH hosts) follows."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass
class LabContext:
    """What a component gets: its run folder, the faults to apply, and what earlier components published."""

    state_dir: Path
    faults: frozenset[str] = frozenset()
    published: dict[str, str] = field(default_factory=dict)


class LabComponent(Protocol):
    """Started in order in the lab process; ``start`` returns ``NAME=value`` pairs for ``lab.env``."""

    name: str

    def start(self, context: LabContext) -> dict[str, str]: ...

    def stop(self) -> None: ...


def start_all(components: list[LabComponent], context: LabContext) -> list[LabComponent]:
    """Start ``components`` in order, publishing into ``context``; returns them for stopping.

    A component that fails part-way is stopped at once, and so are those started before it.
    """
    started: list[LabComponent] = []
    try:
        for component in components:
            started.append(component)  # stop() must also undo a half-finished start()
            context.published.update(component.start(context))
    except BaseException:
        stop_all(started)
        raise
    return started


def stop_all(started: list[LabComponent]) -> None:
    for component in reversed(started):
        component.stop()
