"""The Jira cases, read from where they are declared: the tests' tags and names in the ``.robot`` suites.

A test is a Jira case when one of its tags is a Jira key (``PZ-13806``). Its other tags follow one taxonomy:

==================== =============================== =========================================================
tag                  example                         meaning
==================== =============================== =========================================================
Jira key             ``PZ-13806``                    the Jira Test issue this test implements (exactly one)
``priority:<p>``     ``priority:critical``           the Jira priority: critical, high, medium or low (one)
``component:<c>``    ``component:mongodb``           the infrastructure component checked (one)
``layer:<l>``        ``layer:foundation``            the layer a failure points at; the diagnosis names it (one)
``critical``         ``critical``                    blocks a deployment: ``robot --include critical`` gates on it
==================== =============================== =========================================================

The title is the test's name. Everything that lists cases (the diagnosis, the tests of this project) reads them
here, from the suites or from a run's result model, never from a list of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from keywords import PROJECT_ROOT

JIRA_KEY = re.compile(r"^[A-Z][A-Z0-9]+-\d+$")
PRIORITIES = ("critical", "high", "medium", "low")
GATE_TAG = "critical"
DEFAULT_SOURCES = (PROJECT_ROOT / "suites",)


@dataclass(frozen=True)
class Case:
    """One test that carries a Jira key, as its tags and name declare it."""

    key: str
    title: str
    priority: str
    component: str
    layer: str
    gate: bool
    suite: str  # the suite's full name, e.g. ``Suites.Mongodb.PZ-13806 ...``
    tags: tuple[str, ...] = ()  # every tag as declared

    def problems(self) -> list[str]:
        """What the test's tags lack or repeat, against the taxonomy above."""
        problems = []
        if self.priority and self.priority not in PRIORITIES:
            problems.append(f"priority:{self.priority} is none of {', '.join(PRIORITIES)}")
        for name in ("priority", "component", "layer"):
            if not getattr(self, name):
                problems.append(f"no {name}:<value> tag")
        return problems


def case_key(tags: Iterable[str]) -> str | None:
    """The Jira key among ``tags``, or ``None``."""
    return next((tag for tag in tags if JIRA_KEY.match(tag)), None)


def _tag_value(tags: Iterable[str], name: str) -> str:
    values = [tag.split(":", 1)[1] for tag in tags if tag.lower().startswith(f"{name}:")]
    return ",".join(values)  # several values stay visible (and fail `problems`) instead of one winning


def case_of(test) -> Case | None:
    """The case a running or result test declares, or ``None`` when it has no Jira key."""
    tags = list(test.tags)
    key = case_key(tags)
    if key is None:
        return None
    return Case(
        key=key,
        title=test.name,
        priority=_tag_value(tags, "priority"),
        component=_tag_value(tags, "component"),
        layer=_tag_value(tags, "layer"),
        gate=GATE_TAG in (tag.lower() for tag in tags),
        suite=test.parent.full_name if test.parent else "",
        tags=tuple(tags),
    )


def cases_in(suite) -> list[Case]:
    """Every case of a running or result suite, in execution order."""
    return [case for case in map(case_of, suite.all_tests) if case]


def selected_cases(
    sources: Sequence[str | Path] = DEFAULT_SOURCES,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    tests: Sequence[str] = (),
    suites: Sequence[str] = (),
) -> list[Case]:
    """The cases a ``robot``/``pabot`` run of ``sources`` with these selection options runs.

    The options mean what ``--include``, ``--exclude``, ``--test`` and ``--suite`` mean to Robot Framework:
    the suites are parsed and filtered by Robot itself.
    """
    # Only here: the verdicts and the trend page read this module without parsing suites (robot.api costs 0.08 s).
    from robot.api import TestSuiteBuilder

    suite = TestSuiteBuilder(allow_empty_suite=True).build(*[str(source) for source in sources])
    suite.filter(suites or None, tests or None, include or None, exclude or None)
    return cases_in(suite)
