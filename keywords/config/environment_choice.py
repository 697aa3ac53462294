"""Which environment a run targets: the Robot variable ``${ENV}`` (``--variable ENV:new_production``)."""

from __future__ import annotations

from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

from keywords.common.outcomes import SettingsUnusable
from keywords.config.environments import ConfigurationError, load_environment

DEFAULT_ENVIRONMENT = "lab"
LAYER_OF_SECTION = {"mongodb": "MongoDB", "kubernetes": "Kubernetes API", "ssh": "SSH", "focus_server": "Focus Server"}


def selected_environment_name() -> str:
    """``${ENV}`` of the running suite; ``lab`` outside a Robot run or when it is not set."""
    try:
        return BuiltIn().get_variable_value("${ENV}", DEFAULT_ENVIRONMENT)
    except RobotNotRunningError:
        return DEFAULT_ENVIRONMENT


def _section(section: str, environment: str | None) -> dict:
    return load_environment(environment or selected_environment_name()).section(section)


def settings_of(section: str, environment: str | None = None) -> dict:
    """Section ``section`` of ``environment`` (default: the selected one); any problem is :class:`SettingsUnusable`."""
    try:
        return _section(section, environment)
    except ConfigurationError as error:
        raise SettingsUnusable(LAYER_OF_SECTION.get(section, f"Section '{section}'"), error) from None


def usable_settings_of(section: str, environment: str | None = None) -> dict | None:
    """Section ``section`` where it is usable, else ``None``: for code that does without it (the probe at the start
    of a run, a fallback), so that only a check that needs the section reports it unusable."""
    try:
        return _section(section, environment)
    except ConfigurationError:
        return None
