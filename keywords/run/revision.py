"""The suite's revision: the git commit these suites and keywords were checked out at."""

from __future__ import annotations

import subprocess
from pathlib import Path

from keywords import PROJECT_ROOT

REPOSITORY = PROJECT_ROOT
UNKNOWN = "unknown (not a git checkout)"
GIT_TIMEOUT_S = 5.0  # a hung git (a network filesystem) must not hold up a run's report


def _git(directory: Path, *arguments: str, timeout: float = GIT_TIMEOUT_S) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), *arguments], capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def git_commit(directory: Path = REPOSITORY, timeout: float = GIT_TIMEOUT_S) -> str | None:
    """The full commit checked out at ``directory``, or ``None`` outside a repository or without git."""
    return _git(directory, "rev-parse", "HEAD", timeout=timeout)


def suite_revision(repository: Path = REPOSITORY) -> str:
    """``git describe --always --dirty``: a commit, marked ``-dirty`` with local changes; for reports."""
    return _git(repository, "describe", "--always", "--dirty", "--abbrev=12") or UNKNOWN
