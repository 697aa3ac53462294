"""The lab's programs built from Go modules: kube-apiserver with etcd, kube-controller-manager, kwok, k9s, and
toxiproxy (the benchmark's latency proxy).

Each is built once by the lab's own scripts (``lab/control_plane/build.sh``, ``lab/go_tools/build.sh``) into a
cache outside the repository, keyed by its pinned version: ``$FOCUS_LAB_CACHE`` or ``~/.cache/focus-lab``. The
first build takes minutes (a progress line each); later ones return at once. ``python -m lab build`` builds them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUILDS = {
    "kube-apiserver": [HERE / "control_plane" / "build.sh", "kube-apiserver"],
    "kube-controller-manager": [HERE / "control_plane" / "build.sh", "kube-controller-manager"],
    "kwok": [HERE / "go_tools" / "build.sh", "--print-path", "kwok"],
    "k9s": [HERE / "go_tools" / "build.sh", "--print-path", "k9s"],
    "toxiproxy": [HERE / "go_tools" / "build.sh", "--print-path", "toxiproxy"],
}


class GoBuildError(RuntimeError):
    """A binary could not be built (no Go, or the build failed): the message says which and why."""


def go_available() -> bool:
    return shutil.which("go") is not None


def build(name: str) -> Path:
    """The path of binary ``name``, built first if it is not in the cache (progress goes to stderr)."""
    if not go_available():
        raise GoBuildError(
            f"{name}: Go is not installed, so it cannot be built (install Go, then: python -m lab build)"
        )
    done = subprocess.run(["bash", *map(str, BUILDS[name])], stdout=subprocess.PIPE, stderr=sys.stderr, text=True)
    path = Path(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else None
    if done.returncode != 0 or path is None or not os.access(path, os.X_OK):
        raise GoBuildError(f"{name}: the build failed (exit {done.returncode}); its output is above")
    return path


def cached(name: str) -> Path | None:
    """The binary if it is already built (never builds it)."""
    script, *rest = BUILDS[name]
    arguments = ["--cached-path", rest[-1]] if rest else ["--cached-path"]
    done = subprocess.run(["bash", str(script), *arguments], capture_output=True, text=True)
    return Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None


def module_dir(name: str) -> Path:
    """The pinned module's source in Go's module cache (kwok's stage files are read from there, not copied)."""
    done = subprocess.run(
        ["bash", str(BUILDS[name][0]), "--print-module-dir", name], capture_output=True, text=True, check=False
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise GoBuildError(f"{name}: its module source is not in Go's module cache: {done.stderr.strip()}")
    return Path(done.stdout.strip())
