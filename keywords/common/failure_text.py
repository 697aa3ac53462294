"""A test's failure message with its most important cause on the first line.

Where independent checks continue after a failure (``robot:continue-on-failure``), Robot reports
``Several failures occurred:`` and numbers the causes. A report's summary shows only the first line, so that line
becomes the first cause (the checks run in dependency order: the first failure is the most basic one); the others
follow under ``Also failed:``.
"""

from __future__ import annotations

import re

_SEVERAL = "Several failures occurred:"
_NUMBERED = re.compile(r"\n\n(?=\d+\) )")
#: How Robot appends a teardown's failure to a test's or keyword's own (robot/running/status.py, robot/errors.py).
_ALSO_TEARDOWN = re.compile(r"\n\nAlso (?:keyword )?teardown failed:\n")
_TEARDOWN_ONLY = re.compile(r"^(?:Keyword )?[Tt]eardown failed:\n")


def _numbered(message: str) -> list[str]:
    """The causes of a ``Several failures occurred:`` message, without their numbers."""
    parts = _NUMBERED.split(message[len(_SEVERAL) :].strip())
    return [re.sub(r"^\d+\) ", "", part, count=1) for part in parts]


def causes(message: str) -> list[str]:
    """Every failure a test's message reports: each continued-on failure and each teardown's, one item each."""
    found = []
    for part in _ALSO_TEARDOWN.split(message):
        part = _TEARDOWN_ONLY.sub("", part, count=1)
        if part.startswith(_SEVERAL):
            found += _numbered(part)
        elif part:
            found.append(part)
    return found


def most_important_first(message: str) -> str:
    if not message.startswith(_SEVERAL):
        return message
    first, *others = _numbered(message)
    return first + ("\n\nAlso failed:\n" + "\n".join(f"- {cause}" for cause in others) if others else "")
