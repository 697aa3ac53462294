"""The shipped alerting rules are valid Prometheus rules and fire as their tests say (promtool)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.helpers import REPO_ROOT

MONITORING = REPO_ROOT / "monitoring"
pytestmark = pytest.mark.skipif(
    shutil.which("promtool") is None, reason="needs promtool from Debian's prometheus (./run.sh test installs it)"
)


def promtool(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(["promtool", *arguments], cwd=MONITORING, capture_output=True, text=True, check=False)


def test_the_rules_are_valid():
    checked = promtool("check", "rules", "focus-infra.rules.yaml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 5 rules found" in checked.stdout


def test_the_rules_fire_as_their_unit_tests_expect():
    tested = promtool("test", "rules", "focus-infra.rules.test.yaml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
