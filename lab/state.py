"""The lab's run folder: ``lab.env`` (what the suite reads), the pid, the log, a start error."""

from __future__ import annotations

import os
import re
from pathlib import Path

DEFAULT_STATE_DIR = Path(__file__).resolve().parent / ".state"
_SECRET_MARKERS = ("PASSWORD", "PASSPHRASE", "TOKEN")
#: A value a shell reads as one word, unquoted.
_SHELL_PLAIN = re.compile(r"[A-Za-z0-9_@%+=:,./-]*")
#: What a shell's double quotes would expand or end.
_DOUBLE_QUOTE_SPECIAL = re.compile(r'[$`"\\!]')


def is_secret(name: str) -> bool:
    """Whether ``lab.env`` entry ``name`` holds a secret: never printed, and tests check it never leaks."""
    return any(marker in name for marker in _SECRET_MARKERS)


def shell_value(value: str) -> str:
    """``value`` as a ``NAME=value`` line writes it: as is if a shell reads it as one word, else in one pair of
    quotes that a shell removes unchanged (single, or double when it holds a single quote), so ``set -a; . lab.env``
    and the suite's env_file reader (which strips one pair of matching quotes) read the same text."""
    if "\n" in value or "\r" in value or "\0" in value:
        raise ValueError("a lab.env value cannot hold a line break or a NUL byte")
    if _SHELL_PLAIN.fullmatch(value):
        return value
    if "'" not in value:
        return f"'{value}'"
    if not _DOUBLE_QUOTE_SPECIAL.search(value):
        return f'"{value}"'
    raise ValueError('a lab.env value cannot hold both a single quote and one of $ ` " \\ !')


def shell_unquoted(value: str) -> str:
    """A ``lab.env`` value as written by :func:`shell_value`, without its one pair of quotes."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in ("'", '"'):
        return value[1:-1]
    return value


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
        """Write ``lab.env`` atomically: its appearance means every component is up. Each value is shell-safe
        (:func:`shell_value`): ``set -a; . lab.env`` sets the same values the suite reads."""
        text = "".join(f"{key}={shell_value(value)}\n" for key, value in values.items())
        partial = self.env_file.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        partial.touch(mode=0o600)  # private before it holds a secret
        partial.write_text(text, encoding="utf-8")
        partial.replace(self.env_file)

    def unpublish(self) -> None:
        self.env_file.unlink(missing_ok=True)

    def fail(self, error: str) -> None:
        self.error_file.write_text(error, encoding="utf-8")

    def read_env(self) -> dict[str, str]:
        lines = self.env_file.read_text(encoding="utf-8").splitlines()
        pairs = (line.split("=", 1) for line in lines if "=" in line)
        return {key: shell_unquoted(value) for key, value in pairs}

    def pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None
