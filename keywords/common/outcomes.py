"""How a test ends when it could not check anything: the run's own settings were unusable.

Every keyword library raises :class:`SettingsUnusable` for every unusable setting (an unset secret, an unknown
section, a file named in the settings that is not there, a value of the wrong type). Making one has no side effect:
the run's listener (:class:`keywords.run.listener.RunDiagnosis`) decides at the end of each test, from that
test alone, whether it was "not checked": it failed, and every cause in its message is one of the
``SettingsUnusable`` errors made while it ran. Only then does it carry the ``not-checked`` tag the diagnosis reads.

An error made outside a test (the endpoint probe at the start of a run) or caught inside one (a keyword that falls
back to other settings) therefore marks nothing, and a test that met a real failure too stays a failure of its layer.
"""

from __future__ import annotations

from keywords.common.failure_text import causes
from keywords.common.redaction import redact

NOT_CHECKED_TAG = "not-checked"

#: The messages of the ``SettingsUnusable`` errors made during the running test; ``None`` outside a test.
_made_in_test: set[str] | None = None


class SettingsUnusable(Exception):
    """``<layer> not checked, the environment's settings are unusable: <problem>``."""

    ROBOT_SUPPRESS_NAME = True

    def __init__(self, layer: str, problem: object) -> None:
        message = redact(f"{layer} not checked, the environment's settings are unusable: {problem}")
        super().__init__(message)
        if _made_in_test is not None:
            _made_in_test.add(message)


def test_started() -> None:
    """Forget what earlier tests met: an outcome belongs to the test that met it."""
    global _made_in_test
    _made_in_test = set()


def test_ended(failed: bool, message: str) -> bool:
    """Whether the test that just ended was not checked: it failed only on unusable settings it met itself."""
    global _made_in_test
    made, _made_in_test = _made_in_test or set(), None
    found = causes(message)
    return failed and bool(found) and all(redact(cause) in made for cause in found)
