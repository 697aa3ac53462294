"""ConfigLibrary: the product's ConfigManager as keywords (PZ-13807 and every suite's first step)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from robot.api import logger
from robot.api.deco import keyword, library

from keywords.common.outcomes import SettingsUnusable
from keywords.config.environment_choice import selected_environment_name, settings_of, usable_settings_of
from keywords.config.environments import (
    ConfigurationError,
    MissingFile,
    MissingVariable,
    environments_file,
    load_environment,
)

LAYER = "Focus Server configuration"
TIMEOUT_KEYS = ("server_selection_timeout_ms", "connect_timeout_ms", "socket_timeout_ms")


@library(scope="GLOBAL", auto_keywords=False)
class ConfigLibrary:
    """Loads environment settings from YAML and checks them against expected values.

    The environment is ``${ENV}`` (default ``lab``); the file is ``variables/environments.yaml`` or
    ``$FOCUS_ENVIRONMENTS_FILE``. Secrets are ``${NAME}`` placeholders resolved from environment variables
    and returned as ``Secret`` values, so logging a settings dictionary never shows them.

    A setting the run cannot use (an unknown section, an unset variable, a file that is not there, no expected
    values for PZ-13807) fails as "not checked"; a Focus Server configuration that is incomplete or differs
    from the expected values fails the configuration layer.

    | ${mongodb}=  | `Load Settings` | mongodb |
    | ${app}=      | `Load Focus Server Database Configuration` |
    | ${expected}= | `Load Expected Focus Server Database Configuration` |
    | `Configuration Should Contain Keys` | ${app} | host | port | database |
    | `Configuration Should Match` | ${app} | ${expected} |
    """

    @keyword
    def load_settings(self, section: str, environment: str | None = None) -> dict:
        """Returns section ``section`` (``mongodb``, ``kubernetes``, ``ssh``, ``focus_server``) of the environment.

        | ${mongodb}= | `Load Settings` | mongodb |
        | ${ssh}=     | `Load Settings` | ssh     | environment=staging |
        """
        settings = settings_of(section, environment)
        logger.info(f"{section} settings of environment '{environment or selected_environment_name()}': {settings}")
        return settings

    @keyword
    def load_focus_server_database_configuration(self, environment: str | None = None) -> dict:
        """Returns the ``mongodb`` section of the configuration the Focus Server itself reads.

        The file and the environment inside it come from the ``focus_server`` section
        (``config_file``, ``environment``); without that section, the suite's own environments file is read.
        A file that is not there, or a variable it needs that is not set, is "not checked"; a file that is
        malformed or lacks the section fails the configuration layer.

        | ${app}= | `Load Focus Server Database Configuration` |
        """
        name = environment or selected_environment_name()
        pointer = self._focus_server_section(name)
        path = Path(pointer.get("config_file") or environments_file())
        if not path.is_absolute():
            path = environments_file().parent / path
        application_environment = pointer.get("environment") or name
        try:
            settings = load_environment(application_environment, path).section("mongodb")
        except (MissingFile, MissingVariable) as error:
            raise SettingsUnusable(LAYER, error) from None
        except ConfigurationError as error:
            raise AssertionError(f"Configuration: {error}") from None
        logger.info(f"Focus Server configuration {path}, environment '{application_environment}': {settings}")
        return settings

    @keyword
    def load_expected_focus_server_database_configuration(self, environment: str | None = None) -> dict:
        """Returns what the Focus Server's MongoDB configuration must say here: ``focus_server.expected_mongodb``.

        Without it the configuration cannot be compared, so PZ-13807 is "not checked" (never a failure
        of the configuration layer): add the values to the environment in ``variables/environments.yaml``.

        | ${expected}= | `Load Expected Focus Server Database Configuration` |
        """
        name = environment or selected_environment_name()
        declared = self._focus_server_section(name).get("expected_mongodb") or {}
        expected = {key: value for key, value in declared.items() if value is not None}
        if not expected:
            raise SettingsUnusable(
                LAYER,
                f"environment '{name}' declares no expected values for PZ-13807: add focus_server.expected_mongodb "
                f"(host, port, database) to {environments_file()}",
            )
        return expected

    @keyword
    def configuration_should_contain_keys(self, settings: dict, *keys: str) -> None:
        """Fails naming every key of ``keys`` that is absent or empty in ``settings``.

        | `Configuration Should Contain Keys` | ${app} | host | port | database |
        """
        missing = [key for key in keys if settings.get(key) in (None, "")]
        if missing:
            present = sorted(key for key, value in settings.items() if value not in (None, ""))
            raise AssertionError(f"Configuration: key(s) {missing} missing or empty; present: {present}")

    @keyword
    def configuration_should_have_credentials_together(self, settings: dict) -> None:
        """Fails when only one of ``username`` and ``password`` is given; neither means a MongoDB without auth.

        | `Configuration Should Have Credentials Together` | ${app} |
        """
        given = [key for key in ("username", "password") if settings.get(key) not in (None, "")]
        if len(given) == 1:
            absent = "password" if given == ["username"] else "username"
            raise AssertionError(f"Configuration: {given[0]} is set but {absent} is missing or empty")
        if not given:
            logger.info("Configuration: no username and password: the MongoDB is reached without authentication")

    @keyword
    def configuration_should_match(self, settings: dict, expected: dict[str, Any]) -> None:
        """Fails listing every key whose value or type differs from ``expected``.

        Types count: port ``"27017"`` (a string) does not match ``27017``.

        | `Configuration Should Match` | ${app} | ${expected} |
        """
        if not expected:
            raise ValueError("Configuration Should Match needs expected values")
        differences = [
            f"{key}: expected {value!r} ({type(value).__name__}), got {settings.get(key)!r} "
            f"({type(settings.get(key)).__name__})"
            for key, value in expected.items()
            if settings.get(key) != value or type(settings.get(key)) is not type(value)
        ]
        if differences:
            raise AssertionError("Configuration differs from the expected values: " + "; ".join(differences))

    @keyword
    def bound_by_environment_timeouts(self, configuration: dict, environment: str | None = None) -> dict:
        """Returns ``configuration`` (a MongoDB section) with each timeout no longer than the environment's own.

        The Focus Server's configuration may wait longer than a check should (pymongo's defaults where it sets
        none): the check never waits longer than the environment's ``mongodb`` timeouts, and logs what the
        application itself would wait. Where the environment's ``mongodb`` section is unusable, the
        configuration's own timeouts stay.

        | ${bounded}= | `Bound By Environment Timeouts` | ${app} |
        | `Connect To MongoDB` | alias=focus-server | settings=${bounded} |
        """
        limits = usable_settings_of("mongodb", environment)
        if limits is None:
            return configuration
        bounded = dict(configuration)
        for key in TIMEOUT_KEYS:
            if key in configuration and configuration[key] > limits[key]:
                bounded[key] = limits[key]
                logger.info(
                    f"The Focus Server would wait up to {configuration[key]} ms ({key}); this check waits at most "
                    f"{limits[key]} ms, the environment's"
                )
        return bounded

    @staticmethod
    def _focus_server_section(environment: str) -> dict:
        try:
            suite_environment = load_environment(environment)
            return suite_environment.section("focus_server") if suite_environment.has_section("focus_server") else {}
        except ConfigurationError as error:
            raise SettingsUnusable(LAYER, error) from None
