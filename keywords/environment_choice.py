"""Which environment a run targets: the Robot variable ``${ENV}`` (``--variable ENV:new_production``)."""

from __future__ import annotations

from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

from keywords.configuration import ConfigurationError, load_environment, not_checked

DEFAULT_ENVIRONMENT = "lab"
LAYER_OF_SECTION = {"mongodb": "MongoDB", "kubernetes": "Kubernetes API", "ssh": "SSH", "focus_server": "Focus Server"}


def selected_environment_name() -> str:
    """``${ENV}`` of the running suite; ``lab`` outside a Robot run or when it is not set."""
    try:
        return BuiltIn().get_variable_value("${ENV}", DEFAULT_ENVIRONMENT)
    except RobotNotRunningError:
        return DEFAULT_ENVIRONMENT


def settings_of(section: str, environment: str | None = None) -> dict:
    """Section ``section`` of ``environment`` (default: the selected one); a configuration error fails."""
    try:
        return load_environment(environment or selected_environment_name()).section(section)
    except ConfigurationError as error:
        raise not_checked(LAYER_OF_SECTION[section], error) from None
