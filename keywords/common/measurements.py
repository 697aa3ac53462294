"""Numbers a case measures, logged in a form the run's result model keeps and the history reads back.

A keyword calls :func:`log_measurement` once per measurement; the message is an ordinary INFO line in the log
(``measurement mongodb.ping_ms {"median": 0.4, ...}``). :func:`measurements_of` finds them in a test read from an
``output.xml``; during a run, Robot keeps no keyword bodies in its result model, so the diagnosis listener
collects them as they are logged (:func:`parsed_measurement`). Either way the history stores what the run
measured instead of measuring again.
"""

from __future__ import annotations

import json
import re

from robot.api import logger

from keywords.common.logged_messages import messages_of

_LINE = re.compile(r"^measurement (?P<name>[a-z0-9_.]+) (?P<values>\{.*\})$")


def log_measurement(name: str, values: dict[str, float]) -> None:
    """Log ``values`` (numbers by name) as measurement ``name``, e.g. ``mongodb.ping_ms``."""
    logger.info(f"measurement {name} {json.dumps({key: round(value, 4) for key, value in values.items()})}")


def parsed_measurement(message: str) -> tuple[str, dict[str, float]] | None:
    """``(name, values)`` when log ``message`` is a measurement, else ``None``."""
    match = _LINE.match(message)
    return (match["name"], json.loads(match["values"])) if match else None


def measurements_of(test) -> dict[str, dict[str, float]]:
    """``{name: values}`` logged anywhere inside result test ``test``; a later measurement of a name wins."""
    found: dict[str, dict[str, float]] = {}
    for message in messages_of(test):
        parsed = parsed_measurement(message)
        if parsed:
            found[parsed[0]] = parsed[1]
    return found
