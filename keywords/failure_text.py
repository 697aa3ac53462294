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


def most_important_first(message: str) -> str:
    if not message.startswith(_SEVERAL):
        return message
    causes = [re.sub(r"^\d+\) ", "", part, count=1) for part in _NUMBERED.split(message[len(_SEVERAL) :].strip())]
    first, others = causes[0], causes[1:]
    return first + ("\n\nAlso failed:\n" + "\n".join(f"- {cause}" for cause in others) if others else "")
