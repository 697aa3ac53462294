"""The configuration loader against generated environments files: it returns a valid section or raises its one
configuration error, never another exception, and no message holds a secret value from the environment."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from keywords.configuration import ConfigurationError, load_environment
from keywords.settings_models import SECTIONS

#: From the Hypothesis profile (tests/conftest.py): each example writes and loads one file (about a millisecond).
EXAMPLES = settings.default.max_examples
SECRET = "Fuzz-S3cret-Value-4711"
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
