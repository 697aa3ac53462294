"""The suite's revision: the git commit these suites and keywords were checked out at."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
UNKNOWN = "unknown (not a git checkout)"


def suite_revision(repository: Path = REPOSITORY) -> str:
    """``git describe --always --dirty`` of the repository: a commit, marked ``-dirty`` with local changes."""
    try:
        done = subprocess.run(
            ["git", "-C", str(repository), "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True,
            text=True,
            timeout=5,  # a hung git (a network filesystem) must not hold up a run's report
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return UNKNOWN
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else UNKNOWN
