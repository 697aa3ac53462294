"""A lab for the benchmark: started with ``python -m lab up`` in a folder of its own, always stopped."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from bench.hyperfine import REPO_ROOT


@contextlib.contextmanager
def lab_up(state: Path, faults: tuple[str, ...] = ()) -> Iterator[dict[str, str]]:
    """Environment variables pointing the suite at a lab started with ``faults`` in ``state``."""
    env = {**os.environ, "FOCUS_LAB_STATE": str(state)}
    lab = [sys.executable, "-m", "lab"]
    fault_args = [argument for fault in faults for argument in ("--fault", fault)]
    subprocess.run([*lab, "up", *fault_args], cwd=REPO_ROOT, env=env, check=True, capture_output=True)
    try:
        yield {"FOCUS_LAB_STATE": str(state)}
    finally:
        subprocess.run([*lab, "down"], cwd=REPO_ROOT, env=env, check=True, capture_output=True)


def published(state: Path) -> dict[str, str]:
    lines = (state / "lab.env").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)
