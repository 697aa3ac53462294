"""The configuration layer (the product's ConfigManager): environments in YAML, secrets from the process environment.

An environments file maps environment names to sections (``mongodb``, ``kubernetes``, ``ssh``).
String values may hold ``${NAME}`` or ``${NAME:-default}`` placeholders; they are resolved from ``os.environ``
first and then from the environment's optional ``env_file`` (a ``NAME=value`` file, which the lab writes, a value
optionally in one pair of single or double quotes, as a shell would source it; its own placeholders come from
``os.environ`` only).
Values of secret keys (``password``, ``token``, ...) come back wrapped in Robot Framework's
:class:`~robot.api.types.Secret`, so logging a section never shows them.

Every problem raises :class:`ConfigurationError` with one line naming the file, environment and key. An environment's
own keys (``description``, ``env_file``) and the names of its sections are checked when it is loaded; a section's
contents when it is asked for.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from robot.api.types import Secret

from keywords import PROJECT_ROOT
from keywords.common.redaction import register
from keywords.config.settings_models import PLACEHOLDER, SECRET_KEYS, SECTIONS, base_type
from keywords.config.settings_models import Environment as EnvironmentModel

DEFAULT_FILE = PROJECT_ROOT / "variables" / "environments.yaml"
FILE_VARIABLE = "FOCUS_ENVIRONMENTS_FILE"


class ConfigurationError(Exception):
    """A configuration problem, described in one line."""


class MissingVariable(ConfigurationError):
    """A ``${NAME}`` placeholder whose variable is not set: the run's environment lacks it, not the file."""


class MissingFile(ConfigurationError):
    """A file the settings name (an environments file, an ``env_file``) does not exist."""


def reveal(value: Secret | str | None) -> str | None:
    """The plain value of a secret setting, for the one call that needs it (a driver's connect)."""
    return value.value if isinstance(value, Secret) else value


def environments_file() -> Path:
    """The environments file: ``$FOCUS_ENVIRONMENTS_FILE`` or ``variables/environments.yaml``."""
    return Path(os.environ.get(FILE_VARIABLE) or DEFAULT_FILE)


def read_environments(path: Path) -> dict[str, Any]:
    """Parse an environments file into ``{name: raw section dict}``."""
    shown = _shown(path)

    def fail(problem: str, kind: type[ConfigurationError] = ConfigurationError) -> ConfigurationError:
        return kind(f"configuration file not found: {shown}" if kind is MissingFile else f"{shown} {problem}")

    text = _read_text(path, fail)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigurationError(f"malformed YAML in {shown}{where}: {problem}") from None
    except (ValueError, RecursionError) as error:
        # YAML that parses but that Python cannot hold: a date such as 2024-02-30, an integer of 5000 digits,
        # nesting deeper than the interpreter's stack.
        raise ConfigurationError(f"malformed YAML in {shown}: {str(error).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"{shown}: top level must map environment names to settings")
    # YAML allows keys such as `?` (null) or `1`; an environment name must be text to be chosen by ENV.
    odd_names = [repr(name) for name in data if not isinstance(name, str)]
    if odd_names:
        raise ConfigurationError(f"{shown}: environment names must be text, found {', '.join(odd_names)}")
    return data


class Environment:
    """One environment; each section is resolved and validated when first asked for.

    Lazy resolution keeps sections independent: a MongoDB check does not need the SSH secrets.
    """

    def __init__(self, name: str, path: Path, raw: dict[str, Any]) -> None:
        self.name = name
        self.path = path
        self._raw = raw
        self._resolved: dict[str, dict[str, Any]] = {}
        self._env_file: dict[str, str] | None = None

    def has_section(self, name: str) -> bool:
        return name in self._raw

    def section(self, name: str) -> dict[str, Any]:
        """Section ``name`` (``mongodb``, ``kubernetes``, ``ssh``, ``focus_server``) with defaults applied."""
        if name not in self._resolved:
            if name not in SECTIONS:
                raise ConfigurationError(f"{_shown(self.path)}: no section '{name}' exists; known: {sorted(SECTIONS)}")
            if name not in self._raw:
                raise ConfigurationError(
                    f"{_shown(self.path)}: environment {_quoted(self.name)} has no '{name}' section"
                )
            resolver = _Resolver(self.path, self.name, self.env_file())
            self._resolved[name] = resolver.section(name, self._raw[name])
        return self._resolved[name]

    def env_file(self) -> dict[str, str]:
        """The ``NAME=value`` pairs of the ``env_file`` (none without one), read when a section first needs them."""
        if self._env_file is None:
            self._env_file = _read_env_file(self.path, self.name, self._raw.get("env_file"))
        return self._env_file


def load_environment(name: str, path: Path | None = None) -> Environment:
    """Environment ``name`` from ``path`` (default: :func:`environments_file`)."""
    path = Path(path) if path else environments_file()
    environments = read_environments(path)
    if name not in environments:
        available = ", ".join(_shown_key(known) for known in sorted(environments))
        raise ConfigurationError(f"environment {_quoted(name)} not found in {_shown(path)}; available: [{available}]")
    raw = environments[name]
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{_shown(path)}: environment {_quoted(name)} must be a mapping")
    # The sections' contents wait until asked for (each may need secrets another check does not have); their
    # names, and the environment's own keys, are checked now, so a misspelt one is found whatever runs.
    own_keys = {key: value for key, value in raw.items() if key not in SECTIONS}
    _Resolver(path, name, {}).validated("", own_keys, EnvironmentModel)
    return Environment(name, path, raw)


def _read_env_file(path: Path, environment: str, env_file: str | None) -> dict[str, str]:
    """The ``NAME=value`` pairs of ``env_file``: a path on one line (checked when loaded), or ``None``."""
    if env_file is None:
        return {}
    # Its own placeholders come from the process environment only (the file cannot name itself); the path they
    # make is checked again, by the same model.
    resolver = _Resolver(path, environment, {})
    resolved = resolver.validated("", resolver.resolve("", {"env_file": env_file}, EnvironmentModel), EnvironmentModel)
    file = Path(os.path.realpath(path.parent / resolved.env_file))
    # The path the file was looked for at, unless part of it came from the process environment (where secrets
    # live, so never shown): then the path as typed.
    given = [match.group(0) for match in PLACEHOLDER.finditer(env_file) if os.environ.get(match.group(1))]
    subject = (
        f"env_file {env_file} (with {' '.join(given)} from the environment)" if given else f"env_file {_shown(file)}"
    )
    hint = " (start the lab: python -m lab up)" if environment == "lab" else ""

    def fail(problem: str, kind: type[ConfigurationError] = ConfigurationError) -> ConfigurationError:
        return resolver.error(subject, problem + (hint if kind is MissingFile else ""), kind)

    return _env_values(_read_text(file, fail), fail)


#: What a placeholder can name, so what an env_file line must set.
_ENV_LINE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)")
#: Makes the one-line error for a file's problem: ``fail("is a directory")``, ``fail("...", MissingFile)``.
_Failure = Callable[..., ConfigurationError]


def _env_values(text: str, fail: _Failure) -> dict[str, str]:
    values = {}
    # Lines end at "\n" only: str.splitlines would also end one inside a value, at a form feed or U+2028.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _ENV_LINE.fullmatch(line)
        if not match:
            # Its values are secrets (the lab writes its passwords here): a bad line is named by its number only.
            raise fail(f"line {number} is not NAME=value (the line is not shown: it may hold a secret)")
        values[match.group(1)] = _unquoted(match.group(2).strip())
    return values


def _unquoted(value: str) -> str:
    """A value without one pair of matching quotes around it (``'a b'``, ``"a b"``), as a shell reads it: the lab
    quotes the values a shell would split, so sourcing the file and reading it here give the same text."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in ("'", '"'):
        return value[1:-1]
    return value


def _read_text(file: Path, fail: _Failure) -> str:
    """``file``'s UTF-8 text; each way it cannot be read is one line, made by ``fail``."""
    try:
        return file.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        raise fail("does not exist", MissingFile) from None
    except IsADirectoryError:
        raise fail("is a directory, not a file") from None
    except UnicodeDecodeError as error:
        raise fail(f"is not UTF-8 text (byte {error.start}): save it as UTF-8") from None
    except PermissionError as error:
        raise fail(f"cannot be read: {error.strerror}; check its permissions") from None
    except OSError as error:  # a name too long, a device that fails: the system's words say which
        raise fail(f"cannot be read: {error.strerror}") from None
    except ValueError:  # only a path with a NUL byte, which the models refuse before a file is opened
        raise fail("cannot be read: its path holds a NUL byte") from None


@dataclass
class _Resolver:
    """Resolves one section's placeholders, then validates it with its settings model."""

    path: Path
    environment: str
    env_file: dict[str, str]
    #: ``{dotted key: its ${NAME} placeholders}`` for values from the environment: an error never shows them.
    from_environment: dict[str, list[str]] = field(default_factory=dict)

    def section(self, name: str, raw: Any) -> dict[str, Any]:
        model = SECTIONS[name]
        if not isinstance(raw, dict):
            raise self.error(name, "must be a mapping")
        return _with_secrets(self.validated(name, self.resolve(name, raw, model), model).model_dump())

    def validated(self, prefix: str, values: dict, model: type[BaseModel]) -> BaseModel:
        """``values`` (under dotted key ``prefix``; ``""`` for the environment's own keys) checked by ``model``."""
        try:
            return model.model_validate(values)
        except ValidationError as error:
            raise self.error(*_first_problem(prefix, error, model, self.from_environment)) from None

    def resolve(self, prefix: str, raw: dict, model: type[BaseModel]) -> dict:
        """``raw`` with each ``${NAME}`` replaced; a placeholder's value becomes the type its key takes."""
        resolved = {}
        for key, value in raw.items():
            field = model.model_fields.get(key)
            target = base_type(field.annotation) if field else None
            dotted = _dotted(prefix, _shown_key(key))
            if isinstance(value, dict) and isinstance(target, type) and issubclass(target, BaseModel):
                resolved[key] = self.resolve(dotted, value, target)
            elif isinstance(value, list) and _item_model(target):
                resolved[key] = [
                    self.resolve(f"{dotted}.{index}", item, _item_model(target)) if isinstance(item, dict) else item
                    for index, item in enumerate(value)
                ]
            elif isinstance(value, str) and PLACEHOLDER.search(value):
                text = PLACEHOLDER.sub(lambda match, dotted=dotted: self.lookup(dotted, *match.groups()), value)
                resolved[key] = _converted(text, target)
                self.from_environment[dotted] = [match.group(0) for match in PLACEHOLDER.finditer(value)]
            else:
                resolved[key] = value
        return resolved

    def lookup(self, dotted: str, variable: str, default: str | None = None) -> str:
        value = os.environ.get(variable) or self.env_file.get(variable) or default
        if not value:
            raise self.error(dotted, f"needs environment variable {variable}, which is not set", MissingVariable)
        return value

    def error(
        self, dotted: str, problem: str, kind: type[ConfigurationError] = ConfigurationError
    ) -> ConfigurationError:
        what = f"{dotted} {problem}" if dotted else problem
        return kind(f"{_shown(self.path)}: environment {_quoted(self.environment)}: {what}")


def _item_model(target: Any) -> type[BaseModel] | None:
    """The model of a list's items (``list[SshHost]``: ``SshHost``), else ``None``."""
    items = get_args(target) if get_origin(target) is list else ()
    model = items[0] if items else None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _converted(text: str, target: Any) -> Any:
    """A placeholder's text as the key's type, where it reads as one (else left for validation to refuse)."""
    if target is int and re.fullmatch(r"-?\d+", text):
        return int(text)
    if target is float and re.fullmatch(r"-?\d+(\.\d+)?", text):
        return float(text)
    if target is bool and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


_TYPE_NAMES = {
    "int_type": "int",
    "float_type": "float",
    "string_type": "str",
    "bool_type": "bool",
    "list_type": "a list",
    "model_type": "a mapping",
    "dict_type": "a mapping",
}


#: An unknown key; pydantic says ``invalid_key`` for one that is not text (``1:``, ``null:``).
_UNKNOWN_KEY = ("extra_forbidden", "invalid_key")


def _first_problem(
    prefix: str, error: ValidationError, model: type[BaseModel], from_environment: dict[str, list[str]]
) -> tuple[str, str]:
    """(dotted key, what is wrong) of the first problem under ``prefix`` (a section; ``""`` for an environment's own
    keys). A secret key's value, or one that came from the process environment (where secrets live), is never
    shown; hosts are checked by validators that do not repeat them; any value shown is a repr, on one line."""
    problems = error.errors(include_url=False)
    problem = problems[0]
    location = [_shown_key(part) for part in _key_path(problem)]
    dotted = _dotted(prefix, *location)
    kind, value = problem["type"], problem.get("input")
    if location and location[-1] in SECRET_KEYS:
        shown = "<secret>"
    elif dotted in from_environment:
        shown = f"from {' '.join(from_environment[dotted])} (the value is not shown)"
    else:
        shown = repr(value)
    if kind in _UNKNOWN_KEY:
        known = _known_keys(model, location[:-1])
        close = difflib.get_close_matches(location[-1], known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else "."
        if not prefix:  # an environment's own level: every unknown name at once, most likely misspelt sections
            return "", f"unknown section(s) {_unknown_names(problems)}{hint} Known keys: {', '.join(known)}"
        return dotted, f"is not a known key{hint} Known keys: {', '.join(known)}"
    if kind == "missing":
        return dotted, "is missing"
    if kind in _TYPE_NAMES:
        return dotted, f"must be {_TYPE_NAMES[kind]}, got {type(value).__name__} {shown}"
    if kind == "value_error":  # our own validators: their message says what is wrong, without the value
        return dotted, problem["msg"].removeprefix("Value error, ")
    return dotted, f"{problem['msg'].replace('Input should be', 'must be')}, got {shown}"


def _key_path(problem: dict[str, Any]) -> list[Any]:
    """The keys to a problem's value; for a key that is not text, pydantic's location holds a stand-in (``1`` for
    ``true``), and the key itself is the input."""
    location = list(problem["loc"])
    return [*location[:-1], problem["input"]] if problem["type"] == "invalid_key" else location


def _unknown_names(problems: list[dict[str, Any]]) -> str:
    """``['redis', 1]``: the unknown names of an environment's own level, each a repr (one line, NUL escaped)."""
    names = [_key_path(problem)[0] for problem in problems if problem["type"] in _UNKNOWN_KEY]
    return f"[{', '.join(repr(name) for name in names)}]"


def _dotted(prefix: str, *keys: str) -> str:
    return ".".join([prefix, *keys] if prefix else keys)


def _shown_key(key: Any) -> str:
    """A key as typed may hold anything (a line break): shown quoted unless it is a plain name, so one line stays
    one line."""
    return str(key) if re.fullmatch(r"[\w-]+", str(key)) else repr(str(key))


def _quoted(name: str) -> str:
    """An environment's name in quotes; a repr if it holds a line break or another unprintable character."""
    return f"'{name}'" if name.isprintable() else repr(name)


def _shown(path: Path) -> str:
    """A path as given (``$FOCUS_ENVIRONMENTS_FILE`` may hold a line break): quoted unless printable."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def _known_keys(model: type[BaseModel], path: list[str]) -> list[str]:
    for key in path:
        if key.isdigit():  # an item of a list of mappings (ssh.jump_hosts.0)
            continue
        model = base_type(model.model_fields[key].annotation)
        model = _item_model(model) or model
    return sorted(model.model_fields)


def _with_secrets(values: dict[str, Any]) -> dict[str, Any]:
    """Secret keys' values wrapped in ``Secret``, at every level, so that logging a section never shows them;
    each is also registered for :func:`keywords.common.redaction.redact`, which masks it in any message."""
    for key, value in values.items():
        if key in SECRET_KEYS and isinstance(value, str):
            register(value)
    return {
        key: _with_secrets(value)
        if isinstance(value, dict)
        else [_with_secrets(item) if isinstance(item, dict) else item for item in value]
        if isinstance(value, list)
        else Secret(value)
        if key in SECRET_KEYS and value not in (None, "")  # an empty one hides nothing, and reads as not given
        else value
        for key, value in values.items()
    }
