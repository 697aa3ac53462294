"""The cases run in the spec's dependency order, read from the layers of the diagnosis rules."""

from __future__ import annotations

from robot.running import TestSuiteBuilder as SuiteBuilder  # not collected as a test class

from keywords.run.cases import case_key
from keywords.run.order import DependencyOrder
from tests.helpers import REPO_ROOT


def test_the_suites_run_foundation_first_and_orchestration_last():
    suite = SuiteBuilder().build(str(REPO_ROOT / "suites"))
    suite.visit(DependencyOrder())
    keys = [case_key(test.tags) for test in suite.all_tests]
    assert keys == ["PZ-13806", "PZ-13898", "PZ-13808", "PZ-13807", "PZ-13900", "PZ-13899"]


def test_a_test_of_an_unlisted_layer_runs_after_every_listed_one():
    suite = SuiteBuilder().build(str(REPO_ROOT / "suites"))
    first = next(iter(suite.all_tests))
    first.tags = [tag for tag in first.tags if not tag.startswith("layer:")] + ["layer:unheard-of"]
    suite.visit(DependencyOrder())
    assert case_key(list(suite.all_tests)[-1].tags) == case_key(first.tags)
