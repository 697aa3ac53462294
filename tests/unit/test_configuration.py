"""The configuration layer: environments, secrets from the process environment, and one-line errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from robot.api.types import Secret

from keywords.config_library import ConfigLibrary
from keywords.configuration import (
    ConfigurationError,
    environments_file,
    load_environment,
    read_environments,
)
from keywords.outcomes import SettingsUnusable

VALID = """
    production:
      mongodb: {host: db.example, port: 27017, username: prisma, password: "${MONGO_PASSWORD}", database: prisma}
      ssh:
        jump_host: {host: jump.example, username: root, password: "${SSH_JUMP_PASSWORD}"}
        target_host: {host: target.example, username: prisma}
    development:
      mongodb: {host: localhost, port: 27017, database: prisma}
      ssh: {enabled: false}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "environments.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_secret_placeholder_is_resolved_from_the_environment_and_wrapped(tmp_path, monkeypatch):
    monkeypatch.setenv("MONGO_PASSWORD", "s3cret")
    mongodb = load_environment("production", write(tmp_path, VALID)).section("mongodb")
    assert isinstance(mongodb["password"], Secret)
    assert mongodb["password"].value == "s3cret"
    assert "s3cret" not in repr(mongodb)


def test_defaults_fill_what_the_environment_leaves_out(tmp_path, monkeypatch):
    monkeypatch.setenv("MONGO_PASSWORD", "x")
    mongodb = load_environment("production", write(tmp_path, VALID)).section("mongodb")
    assert mongodb["auth_source"] == "admin"
    assert mongodb["server_selection_timeout_ms"] == 10000
    assert mongodb["max_response_time_ms"] == 100.0


def test_unset_secret_variable_is_an_error_naming_variable_key_and_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("MONGO_PASSWORD", raising=False)
    with pytest.raises(ConfigurationError) as error:
        load_environment("production", write(tmp_path, VALID)).section("mongodb")
    assert "environment 'production'" in str(error.value)
    assert "mongodb.password" in str(error.value)
    assert "MONGO_PASSWORD" in str(error.value)


def test_an_empty_secret_variable_counts_as_unset(tmp_path, monkeypatch):
    monkeypatch.setenv("MONGO_PASSWORD", "")
    with pytest.raises(ConfigurationError, match="MONGO_PASSWORD, which is not set"):
        load_environment("production", write(tmp_path, VALID)).section("mongodb")


def test_sections_resolve_independently_so_mongodb_needs_no_ssh_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("MONGO_PASSWORD", "x")
    monkeypatch.delenv("SSH_JUMP_PASSWORD", raising=False)
    environment = load_environment("production", write(tmp_path, VALID))
    assert environment.section("mongodb")["host"] == "db.example"
    with pytest.raises(ConfigurationError, match="ssh.jump_host.password needs environment variable"):
        environment.section("ssh")


def test_missing_file_is_reported_with_its_path(tmp_path):
    with pytest.raises(ConfigurationError, match=f"configuration file not found: {tmp_path}/nope.yaml"):
        load_environment("production", tmp_path / "nope.yaml")


def test_unknown_environment_lists_the_available_ones(tmp_path):
    with pytest.raises(ConfigurationError) as error:
        load_environment("prod", write(tmp_path, VALID))
    assert "environment 'prod' not found" in str(error.value)
    assert "available: [development, production]" in str(error.value)


def test_missing_required_key_names_key_and_environment(tmp_path):
    path = write(tmp_path, "staging:\n  mongodb: {host: db, database: prisma}\n")
    with pytest.raises(ConfigurationError) as error:
        load_environment("staging", path).section("mongodb")
    assert str(error.value) == f"{path}: environment 'staging': mongodb.port is missing"


def test_port_that_is_not_an_integer_is_a_type_error(tmp_path):
    path = write(tmp_path, 'staging:\n  mongodb: {host: db, port: "27017", database: prisma}\n')
    with pytest.raises(ConfigurationError, match=r"mongodb.port must be int, got str '27017'"):
        load_environment("staging", path).section("mongodb")


def test_placeholder_for_an_integer_key_is_converted(tmp_path, monkeypatch):
    monkeypatch.setenv("DB_PORT", "27018")
    path = write(tmp_path, 'staging:\n  mongodb: {host: db, port: "${DB_PORT}", database: prisma}\n')
    assert load_environment("staging", path).section("mongodb")["port"] == 27018


def test_placeholder_that_is_not_a_number_for_a_port_is_a_type_error(tmp_path, monkeypatch):
    monkeypatch.setenv("DB_PORT", "twenty")
    path = write(tmp_path, 'staging:\n  mongodb: {host: db, port: "${DB_PORT}", database: prisma}\n')
    with pytest.raises(ConfigurationError, match="mongodb.port must be int, got str 'twenty'"):
        load_environment("staging", path).section("mongodb")


def test_wrongly_typed_secret_does_not_show_its_value(tmp_path):
    path = write(tmp_path, "staging:\n  mongodb: {host: db, port: 1, database: prisma, password: 12345}\n")
    with pytest.raises(ConfigurationError) as error:
        load_environment("staging", path).section("mongodb")
    assert "12345" not in str(error.value)
    assert "<secret>" in str(error.value)


def test_malformed_yaml_reports_the_line(tmp_path):
    path = write(tmp_path, "staging:\n  mongodb: {host: db\n  port: 1\n")
    with pytest.raises(ConfigurationError, match=r"malformed YAML in .* at line \d+"):
        load_environment("staging", path)


def test_unknown_key_is_rejected_with_the_known_ones(tmp_path):
    path = write(tmp_path, "staging:\n  mongodb: {host: db, port: 1, database: prisma, hots: x}\n")
    with pytest.raises(ConfigurationError, match=r"mongodb unknown key\(s\) \['hots'\]"):
        load_environment("staging", path).section("mongodb")


def test_disabled_ssh_needs_no_hosts(tmp_path):
    ssh = load_environment("development", write(tmp_path, VALID)).section("ssh")
    assert ssh["enabled"] is False


def test_env_file_supplies_values_the_process_environment_lacks(tmp_path, monkeypatch):
    monkeypatch.delenv("LAB_PORT", raising=False)
    (tmp_path / "lab.env").write_text("LAB_PORT=4242\n")
    path = write(tmp_path, 'lab:\n  env_file: lab.env\n  mongodb: {host: h, port: "${LAB_PORT}", database: prisma}\n')
    assert load_environment("lab", path).section("mongodb")["port"] == 4242


def test_missing_lab_env_file_says_to_start_the_lab(tmp_path):
    path = write(tmp_path, "lab:\n  env_file: gone.env\n  mongodb: {host: h, port: 1, database: prisma}\n")
    with pytest.raises(ConfigurationError, match=r"does not exist \(start the lab: python -m lab up\)"):
        load_environment("lab", path).section("mongodb")


def test_shipped_environments_file_has_the_spec_values_for_new_production(monkeypatch):
    monkeypatch.setenv("MONGO_PASSWORD", "x")
    mongodb = load_environment("new_production").section("mongodb")
    assert (mongodb["host"], mongodb["port"], mongodb["database"]) == ("10.10.100.108", 27017, "prisma")
    assert {"new_production", "staging", "development", "lab"} <= set(read_environments(environments_file()))


def test_comparing_with_no_expected_values_is_a_misuse_not_a_pass():
    with pytest.raises(ValueError, match="needs expected values"):
        ConfigLibrary().configuration_should_match({"host": "h", "port": 1}, {})


def test_environment_without_pz13807_expectations_is_not_checked(tmp_path, monkeypatch):
    path = write(tmp_path, "qa:\n  mongodb: {host: h, port: 1, database: prisma}\n")
    monkeypatch.setenv("FOCUS_ENVIRONMENTS_FILE", str(path))
    with pytest.raises(SettingsUnusable) as error:
        ConfigLibrary().load_expected_focus_server_database_configuration("qa")
    assert str(error.value) == (
        "Focus Server configuration not checked, the environment's settings are unusable: environment 'qa' "
        f"declares no expected values for PZ-13807: add focus_server.expected_mongodb (host, port, database) to {path}"
    )


def test_expectations_of_the_shipped_environments_come_from_yaml(monkeypatch):
    monkeypatch.setenv("FOCUS_SERVER_CONFIG", "/etc/focus-server/environments.yaml")
    expected = ConfigLibrary().load_expected_focus_server_database_configuration("new_production")
    assert expected == {"host": "10.10.100.108", "port": 27017, "database": "prisma", "username": "prisma"}


def test_development_without_credentials_passes_its_own_pz13807_comparison():
    library = ConfigLibrary()
    configuration = library.load_focus_server_database_configuration("development")
    library.configuration_should_have_credentials_together(configuration)
    expected = library.load_expected_focus_server_database_configuration("development")
    library.configuration_should_match(configuration, expected)


def test_one_credential_without_the_other_fails_the_configuration():
    with pytest.raises(AssertionError, match="username is set but password is missing or empty"):
        ConfigLibrary().configuration_should_have_credentials_together({"username": "prisma", "password": ""})


def test_unknown_section_is_not_checked_naming_the_known_ones():
    with pytest.raises(SettingsUnusable, match=r"no section 'redis' exists; known: \['focus_server', 'kubernetes'"):
        ConfigLibrary().load_settings("redis", "development")


def test_port_of_another_type_does_not_match():
    with pytest.raises(AssertionError, match=r"port: expected 27017 \(int\), got '27017' \(str\)"):
        ConfigLibrary().configuration_should_match({"port": "27017"}, {"port": 27017})


def test_missing_and_empty_keys_are_both_named():
    with pytest.raises(AssertionError, match=r"key\(s\) \['password', 'database'\] missing or empty"):
        ConfigLibrary().configuration_should_contain_keys({"host": "h", "password": ""}, "host", "password", "database")


def test_unusable_settings_fail_naming_the_layer_as_not_checked(monkeypatch):
    monkeypatch.delenv("MONGO_PASSWORD", raising=False)
    with pytest.raises(SettingsUnusable) as error:
        ConfigLibrary().load_settings("mongodb", "new_production")
    assert str(error.value).startswith("MongoDB not checked, the environment's settings are unusable: ")
    assert "MONGO_PASSWORD" in str(error.value)
