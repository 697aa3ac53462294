"""Runs the cases in the spec's dependency order: ``--prerunmodifier keywords.run.order.DependencyOrder`` (robot.args).

The order is that of the ``layers`` in the diagnosis rules (``variables/diagnosis_rules.yaml``): foundation first,
orchestration last. Each suite and test runs at the place of its earliest layer; ties keep Robot's own (name) order.
Under pabot the suites run in parallel and the order only applies within a worker.
"""

from __future__ import annotations

from robot.api import SuiteVisitor

from keywords.run.cases import case_of
from keywords.run.diagnosis_rules import load_rules


class DependencyOrder(SuiteVisitor):
    """Sorts every suite's child suites and tests by the dependency rank of their layers."""

    def __init__(self) -> None:
        self._layers = list(load_rules().layers)

    def start_suite(self, suite) -> None:
        suite.suites.sort(key=lambda child: min(map(self._rank, child.all_tests), default=len(self._layers)))
        suite.tests.sort(key=self._rank)

    def _rank(self, test) -> int:
        case = case_of(test)
        layer = case.layer if case else ""
        return self._layers.index(layer) if layer in self._layers else len(self._layers)
