"""The lab's run folder: ``lab.env`` (what the suite reads), the pid, the log, a start error."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_STATE_DIR = Path(__file__).resolve().parent / ".state"
_SECRET_MARKERS = ("PASSWORD", "PASSPHRASE", "TOKEN")


def is_secret(name: str) -> bool:
    """Whether ``lab.env`` entry ``name`` holds a secret: never printed, and tests check it never leaks."""
    return any(marker in name for marker in _SECRET_MARKERS)


def state_dir_from_environment() -> Path:
    """``$FOCUS_LAB_STATE`` (one folder per parallel lab) or ``lab/.state``."""
    return Path(os.environ.get("FOCUS_LAB_STATE") or DEFAULT_STATE_DIR).resolve()


class LabState:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.env_file = folder / "lab.env"
        self.pid_file = folder / "lab.pid"
        self.log_file = folder / "lab.log"
        self.error_file = folder / "lab.error"

    def publish(self, values: dict[str, str]) -> None:
        """Write ``lab.env`` atomically: its appearance means every component is up."""
        partial = self.env_file.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        partial.touch(mode=0o600)  # private before it holds a secret
        partial.write_text("".join(f"{key}={value}\n" for key, value in values.items()), encoding="utf-8")
        partial.replace(self.env_file)

    def unpublish(self) -> None:
        self.env_file.unlink(missing_ok=True)

    def fail(self, error: str) -> None:
        self.error_file.write_text(error, encoding="utf-8")

    def read_env(self) -> dict[str, str]:
        lines = self.env_file.read_text(encoding="utf-8").splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)

    def pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None
