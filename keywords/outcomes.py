"""How a test ends when it could not check anything: the run's own settings were unusable.

Every keyword library raises :class:`SettingsUnusable` for every unusable setting (an unset secret, an unknown
section, a file named in the settings that is not there, a value of the wrong type). The test fails, and carries
the ``not-checked`` tag: the diagnosis reads that tag, so such a test is never counted as a broken layer.
"""

from __future__ import annotations

import contextlib

from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

from keywords.redaction import redact

NOT_CHECKED_TAG = "not-checked"


class SettingsUnusable(Exception):
    """``<layer> not checked, the environment's settings are unusable: <problem>``."""

    ROBOT_SUPPRESS_NAME = True

    def __init__(self, layer: str, problem: object) -> None:
        super().__init__(redact(f"{layer} not checked, the environment's settings are unusable: {problem}"))
        _tag_running_test()


def _tag_running_test() -> None:
    # Set where the error is made, so no caller can raise one without the tag the diagnosis reads.
    with contextlib.suppress(RobotNotRunningError):  # outside a Robot run (unit tests, the command line)
        BuiltIn().set_tags(NOT_CHECKED_TAG)
