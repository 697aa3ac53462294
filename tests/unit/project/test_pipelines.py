"""The example pipelines and argument files: they parse, and they run exactly the commands docs/operations.md shows."""

from __future__ import annotations

import re

import pytest
import yaml

from keywords.run.cases import selected_cases
from keywords.run.options import run_options
from tests.helpers import REPO_ROOT

OPERATIONS = (REPO_ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
EXAMPLES = REPO_ROOT / "ci-examples"


def commands_of_yaml(data) -> list[str]:
    """Every shell command of a GitLab or GitHub pipeline: `script`/`after_script` items and `run` steps."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("script", "after_script") and isinstance(value, list):
                found += value
            elif key == "run" and isinstance(value, str):
                found.append(value)
            else:
                found += commands_of_yaml(value)
    elif isinstance(data, list):
        for item in data:
            found += commands_of_yaml(item)
    return found


def pipeline_commands() -> dict[str, list[str]]:
    commands = {
        name: commands_of_yaml(yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8")))
        for name in ("gitlab-ci.yml", "github-actions.yml")
    }
    commands["Jenkinsfile"] = re.findall(r"\bsh '([^']+)'", (EXAMPLES / "Jenkinsfile").read_text(encoding="utf-8"))
    return commands


@pytest.mark.parametrize("pipeline", ["gitlab-ci.yml", "github-actions.yml", "Jenkinsfile"])
def test_each_pipeline_runs_the_gate_and_the_xray_upload_with_the_documented_commands(pipeline):
    commands = pipeline_commands()[pipeline]
    assert commands == [
        "./run.sh main --argumentfile args/critical.args --variable ENV:new_production",
        ".venv/bin/focus-infra xray results/output.xml --project-key PZ",
    ]
    assert all(command in OPERATIONS for command in commands)


def test_gitlab_and_jenkins_publish_the_junit_file():
    gitlab = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text(encoding="utf-8"))
    assert gitlab["infrastructure-gate"]["artifacts"]["reports"]["junit"] == "results/junit.xml"
    assert "junit 'results/junit.xml'" in (EXAMPLES / "Jenkinsfile").read_text(encoding="utf-8")


def test_the_gate_argument_file_selects_the_deployment_blockers_and_the_full_one_every_case():
    critical = run_options(["--argumentfile", str(REPO_ROOT / "args" / "critical.args")])
    assert [case.key for case in selected_cases(include=critical.include)] == ["PZ-13806", "PZ-13900"]
    full = run_options(["--argumentfile", str(REPO_ROOT / "args" / "full.args")])
    assert selected_cases(include=full.include) == selected_cases()
    for name in ("critical.args", "full.args"):
        assert f"--argumentfile args/{name}" in OPERATIONS
