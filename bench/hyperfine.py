"""Whole commands timed by hyperfine: warm-up runs first, then medians and spreads, never single runs."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Timing:
    """One command's wall time over ``runs`` runs, in seconds."""

    name: str
    command: str
    median: float
    mean: float
    stddev: float
    minimum: float
    maximum: float
    runs: int

    def as_dict(self) -> dict:
        return asdict(self)


def time_commands(
    commands: dict[str, str],
    runs: int,
    warmup: int = 1,
    env: dict[str, str] | None = None,
    prepare: str | None = None,
    failing: bool = False,
) -> list[Timing]:
    """Times each of ``commands`` (``{name: shell command}``) in the repository. A command that fails stops the
    benchmark, unless ``failing`` says failures are expected (a dead environment's runs fail)."""
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "hyperfine.json"
        command = ["hyperfine", "--style", "none", "--runs", str(runs), "--warmup", str(warmup)]
        command += ["--ignore-failure"] if failing else []
        command += ["--export-json", str(export)]
        if prepare:
            command += ["--prepare", prepare]
        for name, line in commands.items():
            command += ["--command-name", name, line]
        # pabot starts `robot` from PATH: the venv's, whichever way the benchmark was started.
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
        environment = {**os.environ, "PATH": path, **(env or {})}
        subprocess.run(command, cwd=REPO_ROOT, env=environment, check=True, stdout=subprocess.DEVNULL)
        results = json.loads(export.read_text(encoding="utf-8"))["results"]
    return [
        Timing(
            name,
            shlex.join(shlex.split(commands[name]))[:300],
            result["median"],
            result["mean"],
            result["stddev"] or 0.0,
            result["min"],
            result["max"],
            len(result["times"]),
        )
        for name, result in zip(commands, results, strict=True)
    ]


def hyperfine_version() -> str:
    return subprocess.run(["hyperfine", "--version"], capture_output=True, text=True, check=True).stdout.strip()
