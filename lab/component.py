"""The contract every lab component (MongoDB, Kubernetes API, SSH hosts) follows, and how they are started."""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass
class LabContext:
    """What a component gets: its run folder, the faults to apply, and what earlier components published.

    ``start_seconds`` is filled by :func:`start_all`: how long each component took to start.
    """

    state_dir: Path
    faults: frozenset[str] = frozenset()
    published: dict[str, str] = field(default_factory=dict)
    start_seconds: dict[str, float] = field(default_factory=dict)


class LabComponent(Protocol):
    """Started in the lab process; ``start`` returns ``NAME=value`` pairs for ``lab.env``.

    A component may name, in ``after``, the components whose published values it reads; it starts once they
    are up. The others start at the same time.
    """

    name: str

    def start(self, context: LabContext) -> dict[str, str]: ...

    def stop(self) -> None: ...


def start_all(components: list[LabComponent], context: LabContext) -> list[LabComponent]:
    """Start ``components``, each as soon as those it comes ``after`` are up; returns them for stopping.

    Independent components start concurrently: the lab is up after its slowest chain, not after the sum of
    all. A component that fails is stopped, with every other once those still starting have finished.
    """
    started: list[LabComponent] = []  # in start order: stop_all undoes it in reverse
    waiting = list(components)
    up: set[str] = set()
    running: dict[Future, LabComponent] = {}
    with ThreadPoolExecutor(max_workers=max(len(components), 1), thread_name_prefix="lab-start") as pool:
        try:
            while waiting or running:
                for component in [c for c in waiting if set(getattr(c, "after", ())) <= up]:
                    waiting.remove(component)
                    started.append(component)  # stop() must also undo a half-finished start()
                    snapshot = dataclasses.replace(context, published=dict(context.published))
                    running[pool.submit(_timed_start, component, snapshot)] = component
                if not running:
                    names = {c.name: sorted(set(getattr(c, "after", ())) - up) for c in waiting}
                    raise RuntimeError(f"lab components wait for components that never start: {names}")
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    component = running.pop(future)
                    published, seconds = future.result()
                    context.published.update(published)
                    context.start_seconds[component.name] = seconds
                    up.add(component.name)
        except BaseException:
            wait(running)  # a component still starting is stopped only once its start() returned
            stop_all(started)
            raise
    return started


def _timed_start(component: LabComponent, context: LabContext) -> tuple[dict[str, str], float]:
    begun = time.monotonic()
    published = component.start(context)
    return published, time.monotonic() - begun


def stop_all(started: list[LabComponent]) -> None:
    for component in reversed(started):
        component.stop()
