"""The configuration loader against generated environments files, and against the shipped one mutated: it returns a
valid section or raises its one configuration error on one line, never another exception, and no message holds a
secret value from the environment."""

from __future__ import annotations

import contextlib
import copy
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from keywords.config.environments import DEFAULT_FILE, ConfigurationError, load_environment
from keywords.config.settings_models import PLACEHOLDER, SECTIONS, base_type
from keywords.config.settings_models import Environment as EnvironmentModel

#: From the Hypothesis profile (tests/conftest.py): each example writes and loads one file (about a millisecond).
EXAMPLES = settings.default.max_examples
SECRET = "Fuzz-S3cret-Value-4711"
#: libyaml's writer where it is installed: the mutation test writes a file per example.
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
VARIABLES = {"FUZZ_SECRET": SECRET, "FUZZ_PORT": "27017", "FUZZ_TEXT": "ümlaut ☃"}
KNOWN_KEYS = sorted({key for model in SECTIONS.values() for key in model.model_fields} | {"host", "port", "name"})

placeholders = st.sampled_from(
    ["${FUZZ_SECRET}", "${FUZZ_PORT}", "${FUZZ_TEXT}", "${FUZZ_UNSET}", "${FUZZ_UNSET:-fallback}", "x${FUZZ_SECRET}"]
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    placeholders,
)
keys = st.one_of(st.sampled_from(KNOWN_KEYS), st.text(min_size=1, max_size=8), st.just("line\nbreak"))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=4))
sections = st.dictionaries(st.sampled_from(sorted(SECTIONS)), st.dictionaries(keys, values, max_size=8), max_size=3)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(section=sections, name=st.sampled_from(sorted(SECTIONS)))
# A key with a line break whose placeholder is unset once broke the one-line message.
@example(section={"mongodb": {"line\nbreak": "${FUZZ_UNSET}"}}, name="mongodb")
def test_any_generated_environment_loads_or_fails_with_one_configuration_error_and_no_secret(section, name):
    saved = {variable: os.environ.get(variable) for variable in [*VARIABLES, "FUZZ_UNSET"]}
    os.environ.update(VARIABLES)
    os.environ.pop("FUZZ_UNSET", None)
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "environments.yaml"
            path.write_text(yaml.safe_dump({"qa": section}, allow_unicode=True), encoding="utf-8")
            try:
                loaded = load_environment("qa", path).section(name)
            except ConfigurationError as error:
                message = str(error)
                assert SECRET not in message
                assert "\n" not in message
            else:
                assert isinstance(loaded, dict)
    finally:
        for variable, value in saved.items():
            if value is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = value


@settings(max_examples=EXAMPLES // 4)
@given(text=st.text(max_size=200))
@example(text="?")  # YAML reads it as {None: None}: a name that is not text once escaped as a TypeError
@example(text="1: {}")
def test_any_text_as_an_environments_file_loads_or_fails_with_one_configuration_error(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "environments.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_environment("qa", path).section("mongodb")
        except ConfigurationError as error:
            assert "\n" not in str(error)


# The shipped environments file, mutated: every key and every value at every depth (environment names, their own
# keys, section names, section keys, nested keys such as ssh.jump_host.port) replaced by another type, deleted,
# renamed, or joined by an unknown key; then every section of every environment is loaded.

SHIPPED_TEXT = DEFAULT_FILE.read_text(encoding="utf-8")
SHIPPED = yaml.safe_load(SHIPPED_TEXT)
#: The shipped file's variables, set as a run would have them (the lab's come from its env_file, written below).
SHIPPED_VARIABLES = {
    "MONGO_PASSWORD": SECRET,
    "SSH_JUMP_PASSWORD": SECRET,
    "SSH_TARGET_PASSWORD": SECRET,
    "SSH_KEY_FILE": "id_ed25519",
    "FOCUS_SERVER_CONFIG": "focus-server/environments.yaml",
}
LAB_ENV = {
    "LAB_MONGO_PORT": "27017",
    "LAB_MONGO_PASSWORD": SECRET,
    "LAB_STATE": "state",
    "LAB_K8S_API": "https://127.0.0.1:6443",
    "LAB_K8S_TOKEN": SECRET,
    "LAB_K8S_CA": "ca.crt",
    "LAB_SSH_KNOWN_HOSTS": "known_hosts",
    "LAB_SSH_JUMP_HOST": "127.0.0.1",
    "LAB_SSH_JUMP_PORT": "2222",
    "LAB_SSH_JUMP_PASSWORD": SECRET,
    "LAB_SSH_TARGET_HOST": "127.0.0.1",
    "LAB_SSH_TARGET_PORT": "2223",
    "LAB_SSH_TARGET_PASSWORD": SECRET,
    "LAB_SSH_BASTION2_HOST": "bastion-2.lab",
    "LAB_SSH_BASTION2_PORT": "22",
    "LAB_SSH_BASTION2_PASSWORD": SECRET,
}
#: Every variable the shipped file names is set or unset here, so a developer's own (KUBECONFIG, a running lab's
#: FOCUS_LAB_STATE) changes nothing.
CONTROLLED = {match.group(1) for match in PLACEHOLDER.finditer(SHIPPED_TEXT)} | {*VARIABLES, "FUZZ_UNSET"}


def key_paths(mapping: dict, parents: tuple = ()) -> list[tuple]:
    """Each key's path, at every depth: ``("lab",)``, ``("lab", "env_file")``, ``("lab", "ssh", "jump_host", ...)``."""
    paths = []
    for key, value in mapping.items():
        paths.append((*parents, key))
        if isinstance(value, dict):
            paths += key_paths(value, (*parents, key))
    return paths


def field_names(model: type[BaseModel]) -> set[str]:
    names = set(model.model_fields)
    for field in model.model_fields.values():
        kind = base_type(field.annotation)
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            names |= field_names(kind)
    return names


PATHS = key_paths(SHIPPED)
#: Environment names, their own keys and their sections' names: few among the paths, so drawn from on their own too.
UPPER_PATHS = [path for path in PATHS if len(path) <= 2]
ALL_KNOWN_KEYS = sorted(field_names(EnvironmentModel) | set(SHIPPED))
odd_texts = st.sampled_from(
    [
        "",
        " ",
        "nul\x00byte",
        "line\nbreak",
        "line\u2028separator",
        "ümlaut ☃",
        "a" * 300,
        ".",
        "../lab/.state",
        "../lab/.state/lab.env",
        "mongodb://prisma:${FUZZ_SECRET}@db:27017",
        "27017",
        "true",
        "${FUZZ_SECRET}",
        "x${FUZZ_SECRET}",
        "${FUZZ_PORT}",
        "${FUZZ_TEXT}",
        "${FUZZ_UNSET}",
        "${FUZZ_UNSET:-fallback}",
        "${FOCUS_LAB_STATE:-../lab/.state}/lab.env",
    ]
)
any_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.sampled_from([10**30, -(10**30), 0, -1, 65536]),
    st.floats(allow_nan=True, allow_infinity=True),
    odd_texts,
    st.text(max_size=12),
)
new_keys = st.one_of(
    st.sampled_from(ALL_KNOWN_KEYS),
    st.sampled_from(["hots", "mongdb", "line\nbreak", "nul\x00", "envfile"]),
    st.text(min_size=1, max_size=8),
    st.sampled_from([1, None, True, 1.5]),  # YAML keys need not be text
)


def lists_and_mappings(inner: st.SearchStrategy) -> st.SearchStrategy:
    # A named function: Hypothesis reads a lambda's source to see that it recurses, and cannot across lines.
    return st.lists(inner, max_size=3) | st.dictionaries(new_keys, inner, max_size=3)


any_value = st.recursive(any_scalar, lists_and_mappings, max_leaves=6)
#: (key path, what to do, a value to put there, a key to rename to or add).
mutations = st.lists(
    st.tuples(
        st.sampled_from(UPPER_PATHS) | st.sampled_from(PATHS),
        st.sampled_from(["replace", "delete", "rename", "add"]),
        any_value,
        new_keys,
    ),
    min_size=1,
    max_size=4,
)


def mutated(changes: list[tuple]) -> dict:
    data = copy.deepcopy(SHIPPED)
    for path, change, value, new_key in changes:
        parent = data
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(parent, dict) or path[-1] not in parent:
            continue  # an earlier change took the key away
        if change == "replace":
            parent[path[-1]] = value
        elif change == "delete":
            del parent[path[-1]]
        elif change == "rename":
            parent[new_key] = parent.pop(path[-1])
        else:
            parent[new_key] = value
    return data


@contextlib.contextmanager
def shipped_run(folder: Path) -> Iterator[Path]:
    """The layout of this repository in ``folder`` (variables/, the lab's env_file), and the variables a run has."""
    saved = {name: os.environ.get(name) for name in CONTROLLED}
    for name in CONTROLLED:
        os.environ.pop(name, None)
    os.environ.update({**VARIABLES, **SHIPPED_VARIABLES})
    (folder / "variables").mkdir()
    (folder / "lab" / ".state").mkdir(parents=True)
    lab_env = "".join(f"{name}={value}\n" for name, value in LAB_ENV.items())
    (folder / "lab" / ".state" / "lab.env").write_text(lab_env, encoding="utf-8")
    try:
        yield folder / "variables" / "environments.yaml"
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def every_section(path: Path, names: list[str]) -> dict[tuple[str, str], dict | str]:
    """``{(environment, section): the section, or its one configuration error's message}``."""
    outcomes = {}
    for name in names:
        try:
            environment = load_environment(name, path)
        except ConfigurationError as error:
            outcomes.update({(name, section): str(error) for section in SECTIONS})
            continue
        for section in SECTIONS:
            try:
                outcomes[name, section] = environment.section(section)
            except ConfigurationError as error:
                outcomes[name, section] = str(error)
    return outcomes


def test_the_shipped_environments_load_every_section_with_the_variables_of_a_run():
    with tempfile.TemporaryDirectory() as folder, shipped_run(Path(folder)) as path:
        path.write_text(SHIPPED_TEXT, encoding="utf-8")
        outcomes = every_section(path, list(SHIPPED))
    # The mutations below start from a file that loads: each error they find is one they made.
    assert {key: outcome for key, outcome in outcomes.items() if not isinstance(outcome, dict)} == {}


# An example parses the shipped file once per environment (about 80 ms in all): a quarter of the profile's examples.
@settings(max_examples=EXAMPLES // 4, suppress_health_check=[HealthCheck.too_slow])
@given(changes=mutations)
# Found by mutating the shipped file: a TypeError from the env_file's placeholder substitution, a ValueError
# (embedded null byte) from opening it, and a message of two lines.
@example(changes=[(("lab", "env_file"), "replace", 5, "")])
@example(changes=[(("lab", "env_file"), "replace", "nul\x00byte", "")])
@example(changes=[(("lab", "env_file"), "replace", "line\nbreak", "")])
@example(changes=[(("lab", "env_file"), "replace", "${FUZZ_SECRET}", "")])  # a path from the environment: not shown
@example(changes=[(("lab", "env_file"), "replace", "../lab/.state", "")])  # a directory
@example(changes=[(("lab", "description"), "replace", ["a", 1], ""), (("lab",), "add", {}, "q\na")])
def test_any_mutation_of_the_shipped_environments_loads_each_section_or_fails_on_one_line_without_a_secret(changes):
    data = mutated(changes)
    with tempfile.TemporaryDirectory() as folder, shipped_run(Path(folder)) as path:
        path.write_text(yaml.dump(data, Dumper=DUMPER, allow_unicode=True, sort_keys=False), encoding="utf-8")
        outcomes = every_section(path, [name for name in data if isinstance(name, str)])
    for outcome in outcomes.values():
        if isinstance(outcome, str):
            assert SECRET not in outcome
            assert len(outcome.splitlines()) == 1 and "\x00" not in outcome, outcome
        else:
            assert isinstance(outcome, dict)
