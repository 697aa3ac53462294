"""The configuration layer: environments, secrets from the process environment, and one-line errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml
from robot.api.types import Secret

from keywords.config.environments import (
    ConfigurationError,
    MissingFile,
    MissingVariable,
    environments_file,
    load_environment,
    read_environments,
)

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
    expected = r"mongodb.port must be int, got str from \$\{DB_PORT\} \(the value is not shown\)$"
    with pytest.raises(ConfigurationError, match=expected):
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


def test_unknown_key_is_rejected_with_the_nearest_known_one_suggested(tmp_path):
    path = write(tmp_path, "staging:\n  mongodb: {host: db, port: 1, database: prisma, hots: x}\n")
    with pytest.raises(
        ConfigurationError, match=r"mongodb\.hots is not a known key; did you mean 'host'\? Known keys: "
    ):
        load_environment("staging", path).section("mongodb")


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        (
            "mongodb: {host: db, port: 27017, database: p, connect_timeout_ms: -5000}",
            "mongodb.connect_timeout_ms must be greater than 0, got -5000",
        ),
        (
            "mongodb: {host: db, port: 70000, database: p}",
            "mongodb.port must be less than or equal to 65535, got 70000",
        ),
        (
            "mongodb: {host: db, port: 1, database: p, ping_samples: 0}",
            "mongodb.ping_samples must be greater than or equal to 1, got 0",
        ),
        ("kubernetes: {request_timeout_s: -5}", "kubernetes.request_timeout_s must be greater than 0, got -5"),
        ("kubernetes: {max_restarts: -1}", "kubernetes.max_restarts must be greater than or equal to 0, got -1"),
        (
            "kubernetes: {pod_pattern: ' '}",
            "kubernetes.pod_pattern must be a non-empty glob pattern such as panda-panda-focus-server-*",
        ),
        ("ssh: {timeout_s: -5}", "ssh.timeout_s must be greater than 0, got -5"),
        (
            "ssh: {jump_host: {host: 'bad host!', username: root}}",
            "ssh.jump_host.host must be a host name or an IP address",
        ),
        (
            "kubernetes: {service: {name: s, prot: 5000}}",
            "kubernetes.service.prot is not a known key; did you mean 'port'?",
        ),
    ],
)
def test_out_of_range_or_malformed_values_name_the_key_and_the_rule(tmp_path, section, problem):
    path = write(tmp_path, f"qa:\n  {section}\n")
    with pytest.raises(ConfigurationError) as error:
        load_environment("qa", path).section(section.split(":")[0])
    assert problem in str(error.value)


def test_a_host_given_as_a_uri_with_credentials_is_refused_without_echoing_the_password(tmp_path):
    path = write(tmp_path, "qa:\n  mongodb: {host: 'mongodb://prisma:Sup3rS3cret@db:27017', port: 1, database: p}\n")
    with pytest.raises(ConfigurationError) as error:
        load_environment("qa", path).section("mongodb")
    assert "mongodb.host must be a host name or address, not a URI or user@host" in str(error.value)
    assert "Sup3rS3cret" not in str(error.value) and "prisma:" not in str(error.value)


def test_the_checked_in_json_schema_is_the_one_the_models_generate():
    from keywords.config.settings_models import SCHEMA_FILE, schema_text

    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), "run: python -m keywords.config.settings_models"
    first_line = environments_file().read_text(encoding="utf-8").splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=./environments.schema.json"


def test_editors_validate_the_shipped_environments_and_flag_a_wrong_type_with_the_json_schema():
    import json

    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    from keywords.config.settings_models import SCHEMA_FILE

    validator = Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    assert list(validator.iter_errors(read_environments(environments_file()))) == []
    wrong = {"qa": {"mongodb": {"host": "db", "port": "twenty", "database": "p"}}}
    assert ".".join(map(str, best_match(validator.iter_errors(wrong)).absolute_path)) == "qa.mongodb.port"


def test_the_settings_pages_table_is_the_one_the_models_generate():
    from keywords.config.settings_models import settings_table

    page = (Path(__file__).parents[3] / "docs" / "settings.md").read_text(encoding="utf-8")
    start = page.index("<!-- settings table: generated by keywords.config.settings_models.settings_table() -->\n")
    end = page.index("\n<!-- end of settings table -->")
    assert page[page.index("\n", start) + 1 : end] == settings_table()


# An environment's own keys and the names of its sections: checked when it loads, each problem one line.

MONGODB = "mongodb: {host: db, port: 1, database: p, password: '${LAB_SECRET}'}"


def write_env_file(tmp_path: Path, text: str, name: str = "lab.env") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_an_env_file_is_read_relative_to_the_environments_file_for_the_placeholders(tmp_path, monkeypatch):
    monkeypatch.delenv("LAB_SECRET", raising=False)
    write_env_file(tmp_path, "# written by the lab\n\nLAB_SECRET = from-the-file \n")
    path = write(tmp_path, f"qa:\n  description: QA\n  env_file: lab.env\n  {MONGODB}\n")
    assert load_environment("qa", path).section("mongodb")["password"].value == "from-the-file"


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("'kube-apiserver with embedded etcd, v1'", "kube-apiserver with embedded etcd, v1"),
        ('"it\'s two words"', "it's two words"),
        ("' padded '", " padded "),
        ("''", ""),
        ("'mixed\"", "'mixed\""),
        ("'", "'"),
    ],
)
def test_an_env_file_value_loses_one_pair_of_matching_quotes_as_a_shell_reads_it(tmp_path, monkeypatch, written, value):
    monkeypatch.delenv("LAB_SECRET", raising=False)
    write_env_file(tmp_path, f"LAB_SECRET={written}\n")
    path = write(
        tmp_path,
        "qa:\n  env_file: lab.env\n  mongodb: {host: db, port: 1, database: p, username: '${LAB_SECRET:-none}'}\n",
    )
    assert load_environment("qa", path).section("mongodb")["username"] == (value or "none")


def test_an_env_file_that_is_not_text_is_refused_when_the_environment_loads(tmp_path):
    path = write(tmp_path, f"qa:\n  env_file: 5\n  {MONGODB}\n")
    with pytest.raises(ConfigurationError) as error:
        load_environment("qa", path)  # before any section is asked for
    assert str(error.value) == f"{path}: environment 'qa': env_file must be str, got int 5"


@pytest.mark.parametrize("env_file", ["lab\x00.env", "lab\n.env", "lab\u2028.env", " "])
def test_an_env_file_with_a_nul_a_line_break_or_nothing_is_refused_on_one_line(tmp_path, env_file):
    path = tmp_path / "environments.yaml"
    path.write_text(yaml.safe_dump({"qa": {"env_file": env_file}}), encoding="utf-8")
    with pytest.raises(ConfigurationError) as error:
        load_environment("qa", path)
    message = str(error.value)
    assert message.startswith(f"{path}: environment 'qa': env_file must ")
    assert len(message.splitlines()) == 1 and "\x00" not in message


def test_an_env_file_placeholder_comes_from_the_process_environment(tmp_path, monkeypatch):
    (tmp_path / "state").mkdir()
    write_env_file(tmp_path / "state", "LAB_SECRET=x\n")
    monkeypatch.setenv("FUZZ_STATE", str(tmp_path / "state"))
    path = write(tmp_path, f"qa:\n  env_file: '${{FUZZ_STATE}}/lab.env'\n  {MONGODB}\n")
    assert load_environment("qa", path).section("mongodb")["password"].value == "x"


def test_an_unset_env_file_placeholder_is_a_missing_variable_naming_it(tmp_path, monkeypatch):
    monkeypatch.delenv("FUZZ_STATE", raising=False)
    path = write(tmp_path, f"qa:\n  env_file: '${{FUZZ_STATE}}/lab.env'\n  {MONGODB}\n")
    environment = load_environment("qa", path)  # the file is read when a section first needs it
    with pytest.raises(MissingVariable) as error:
        environment.section("mongodb")
    assert str(error.value) == (
        f"{path}: environment 'qa': env_file needs environment variable FUZZ_STATE, which is not set"
    )


def test_a_missing_env_file_is_a_missing_file_and_the_lab_is_told_how_to_make_it(tmp_path):
    path = write(tmp_path, f"lab:\n  env_file: gone.env\n  {MONGODB}\n")
    with pytest.raises(MissingFile) as error:
        load_environment("lab", path).section("mongodb")
    assert str(error.value) == (
        f"{path}: environment 'lab': env_file {tmp_path}/gone.env does not exist (start the lab: python -m lab up)"
    )


def test_an_env_file_path_from_the_process_environment_is_shown_as_typed(tmp_path, monkeypatch):
    monkeypatch.setenv("FUZZ_STATE", "Env-Path-S3cret")
    path = write(tmp_path, f"qa:\n  env_file: '${{FUZZ_STATE}}/lab.env'\n  {MONGODB}\n")
    with pytest.raises(MissingFile) as error:
        load_environment("qa", path).section("mongodb")
    assert "env_file ${FUZZ_STATE}/lab.env (with ${FUZZ_STATE} from the environment) does not exist" in str(error.value)
    assert "Env-Path-S3cret" not in str(error.value)


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda folder: (folder / "lab.env").mkdir(), "is a directory, not a file"),
        (lambda folder: (folder / "lab.env").write_bytes(b"LAB_SECRET=\xff\n"), "is not UTF-8 text (byte 11)"),
    ],
)
def test_an_env_file_that_cannot_be_read_says_why_on_one_line(tmp_path, make, problem):
    make(tmp_path)
    path = write(tmp_path, f"qa:\n  env_file: lab.env\n  {MONGODB}\n")
    with pytest.raises(ConfigurationError) as error:
        load_environment("qa", path).section("mongodb")
    assert str(error.value).startswith(f"{path}: environment 'qa': env_file {tmp_path}/lab.env {problem}")


def test_an_unreadable_env_file_asks_for_its_permissions(tmp_path, monkeypatch):
    write_env_file(tmp_path, "LAB_SECRET=x\n")
    path = write(tmp_path, f"qa:\n  env_file: lab.env\n  {MONGODB}\n")
    real_read_text = Path.read_text

    def read_text(self, *args, **kwargs):
        if self.name == "lab.env":  # a chmod would not stop root, who may run these tests in a container
            raise PermissionError(13, "Permission denied")
        return real_read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", read_text)
    with pytest.raises(ConfigurationError, match=r"lab\.env cannot be read: Permission denied; check its permissions$"):
        load_environment("qa", path).section("mongodb")


def test_an_env_file_line_without_an_equals_sign_is_named_by_number_without_its_content(tmp_path):
    write_env_file(tmp_path, "LAB_SECRET=x\n# a comment\nS3cret-Without-Name\n")
    path = write(tmp_path, f"qa:\n  env_file: lab.env\n  {MONGODB}\n")
    with pytest.raises(ConfigurationError) as error:
        load_environment("qa", path).section("mongodb")
    assert str(error.value).endswith("lab.env line 3 is not NAME=value (the line is not shown: it may hold a secret)")
    assert "S3cret" not in str(error.value)


def test_a_description_that_is_not_text_is_refused_when_the_environment_loads(tmp_path):
    assert load_environment("qa", write(tmp_path, "qa:\n  description: QA lab\n  ssh: {enabled: false}\n"))
    path = write(tmp_path, "qa:\n  description: [QA, lab]\n  ssh: {enabled: false}\n")
    with pytest.raises(ConfigurationError) as error:
        load_environment("qa", path)
    assert str(error.value) == f"{path}: environment 'qa': description must be str, got list ['QA', 'lab']"


def test_unknown_names_of_an_environment_are_listed_with_the_nearest_known_one(tmp_path):
    path = write(tmp_path, "qa:\n  mongdb: {host: db}\n  1: x\n  ssh: {enabled: false}\n")
    with pytest.raises(ConfigurationError) as error:
        load_environment("qa", path)
    assert str(error.value) == (
        f"{path}: environment 'qa': unknown section(s) ['mongdb', 1]; did you mean 'mongodb'? "
        "Known keys: description, env_file, focus_server, kubernetes, mongodb, ssh"
    )


def test_loading_an_environment_leaves_its_sections_contents_unchecked_until_asked_for(tmp_path):
    environment = load_environment(
        "qa", write(tmp_path, "qa:\n  mongodb: {host: db, port: 1, database: p}\n  ssh: 5\n")
    )
    assert environment.section("mongodb")["host"] == "db"
    with pytest.raises(ConfigurationError, match=r"environment 'qa': ssh must be a mapping$"):
        environment.section("ssh")


def test_an_environment_name_with_a_line_break_is_shown_on_one_line(tmp_path):
    path = tmp_path / "environments.yaml"
    path.write_text(yaml.safe_dump({"q\na": {"description": 5}}), encoding="utf-8")
    with pytest.raises(ConfigurationError) as error:
        load_environment("q\na", path)
    assert str(error.value) == f"{path}: environment 'q\\na': description must be str, got int 5"


def test_yaml_that_python_cannot_hold_is_malformed_yaml(tmp_path):
    with pytest.raises(ConfigurationError, match=r"malformed YAML in .*: day is out of range for month$"):
        load_environment("qa", write(tmp_path, "qa:\n  description: 2024-02-30\n"))
