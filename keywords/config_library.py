"""ConfigLibrary: the product's ConfigManager as keywords (PZ-13807 and every suite's first step)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from robot.api import logger
from robot.api.deco import keyword, library

from keywords.configuration import ConfigurationError, environments_file, load_environment, not_checked
from keywords.environment_choice import selected_environment_name, settings_of


@library(scope="GLOBAL", auto_keywords=False)
class ConfigLibrary:
    """Loads environment settings from YAML and checks them against expected values.

    The environment is ``${ENV}`` (default ``lab``); the file is ``variables/environments.yaml`` or
    ``$FOCUS_ENVIRONMENTS_FILE``. Secrets are ``${NAME}`` placeholders resolved from environment variables
    and returned as ``Secret`` values, so logging a settings dictionary never shows them.

    | ${mongodb}= | `Load Settings` | mongodb |
    | ${app}=     | `Load Focus Server Database Configuration` |
    | `Configuration Should Contain Keys` | ${app} | host | port | username | password | database |
    """

    @keyword
    def load_settings(self, section: str, environment: str | None = None) -> dict:
        """Returns section ``section`` (``mongodb``, ``kubernetes``, ``ssh``) of the selected environment."""
        settings = settings_of(section, environment)
        logger.info(f"{section} settings of environment '{environment or selected_environment_name()}': {settings}")
        return settings

    @keyword
    def load_focus_server_database_configuration(self, environment: str | None = None) -> dict:
        """Returns the ``mongodb`` section of the configuration the Focus Server itself reads.

        The file and the environment inside it come from the ``focus_server`` section
        (``config_file``, ``environment``); without that section, the suite's own environments file is read.
        """
        name = environment or selected_environment_name()
        try:
            suite_environment = load_environment(name)
            pointer = suite_environment.section("focus_server") if suite_environment.has_section("focus_server") else {}
        except ConfigurationError as error:
            raise not_checked("Focus Server configuration", error) from None
        path = Path(pointer.get("config_file") or environments_file())
        if not path.is_absolute():
            path = suite_environment.path.parent / path
        application_environment = pointer.get("environment") or name
        try:
            settings = load_environment(application_environment, path).section("mongodb")
        except ConfigurationError as error:
            raise AssertionError(f"Configuration: {error}") from None
        logger.info(f"Focus Server configuration {path}, environment '{application_environment}': {settings}")
        return settings

    @keyword
    def configuration_should_contain_keys(self, settings: dict, *keys: str) -> None:
        """Fails naming every key of ``keys`` that is absent or empty in ``settings``."""
        missing = [key for key in keys if settings.get(key) in (None, "")]
        if missing:
            present = sorted(key for key, value in settings.items() if value is not None)
            raise AssertionError(f"Configuration: key(s) {missing} missing; present: {present}")

    @keyword
    def configuration_should_match(self, settings: dict, expected: dict[str, Any]) -> None:
        """Fails listing every key whose value or type differs from ``expected``.

        Types count: port ``"27017"`` (a string) does not match ``27017``.

        | `Configuration Should Match` | ${app} | ${EXPECTED_MONGODB} |
        """
        if not expected:
            raise AssertionError(
                "Configuration: no expected values to compare with; add this environment to EXPECTED_MONGODB "
                "in variables/suite_variables.py"
            )
        differences = [
            f"{key}: expected {value!r} ({type(value).__name__}), got {settings.get(key)!r} "
            f"({type(settings.get(key)).__name__})"
            for key, value in expected.items()
            if settings.get(key) != value or type(settings.get(key)) is not type(value)
        ]
        if differences:
            raise AssertionError("Configuration differs from the expected values: " + "; ".join(differences))
