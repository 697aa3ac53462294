"""The configuration layer (the product's ConfigManager): environments in YAML, secrets from the process environment.

An environments file maps environment names to sections (``mongodb``, ``kubernetes``, ``ssh``).
String values may hold ``${NAME}`` or ``${NAME:-default}`` placeholders; they are resolved from ``os.environ``
first and then from the environment's optional ``env_file`` (a ``NAME=value`` file, which the lab writes).
Values of secret keys (``password``, ``token``, ...) come back wrapped in Robot Framework's
:class:`~robot.api.types.Secret`, so logging a section never shows them.

Every problem raises :class:`ConfigurationError` with one line naming the file, environment and key.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from robot.api.types import Secret

from keywords.redaction import register
from keywords.settings_models import SECRET_KEYS, SECTIONS

PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
DEFAULT_FILE = Path(__file__).resolve().parent.parent / "variables" / "environments.yaml"
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
    if not path.is_file():
        raise MissingFile(f"configuration file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ConfigurationError(
            f"{path} is not UTF-8 text (byte {error.start}): save it as UTF-8 (YAML files are)"
        ) from None
    except OSError as error:
        raise ConfigurationError(f"{path} cannot be read: {error.strerror}; check its permissions") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigurationError(f"malformed YAML in {path}{where}: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path}: top level must map environment names to settings")
    # YAML allows keys such as `?` (null) or `1`; an environment name must be text to be chosen by ENV.
    odd_names = [repr(name) for name in data if not isinstance(name, str)]
    if odd_names:
        raise ConfigurationError(f"{path}: environment names must be text, found {', '.join(odd_names)}")
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

    def has_section(self, name: str) -> bool:
        return name in self._raw

    def section(self, name: str) -> dict[str, Any]:
        """Section ``name`` (``mongodb``, ``kubernetes``, ``ssh``, ``focus_server``) with defaults applied."""
        if name not in self._resolved:
            if name not in SECTIONS:
                raise ConfigurationError(f"{self.path}: no section '{name}' exists; known: {sorted(SECTIONS)}")
            if name not in self._raw:
                raise ConfigurationError(f"{self.path}: environment '{self.name}' has no '{name}' section")
            env_file = _read_env_file(self.path, self.name, self._raw.get("env_file"))
            resolver = _Resolver(self.path, self.name, env_file)
            self._resolved[name] = resolver.section(name, self._raw[name])
        return self._resolved[name]


def load_environment(name: str, path: Path | None = None) -> Environment:
    """Environment ``name`` from ``path`` (default: :func:`environments_file`)."""
    path = Path(path) if path else environments_file()
    environments = read_environments(path)
    if name not in environments:
        available = ", ".join(sorted(environments))
        raise ConfigurationError(f"environment '{name}' not found in {path}; available: [{available}]")
    raw = environments[name]
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{path}: environment '{name}' must be a mapping")
    unknown = sorted(set(raw) - set(SECTIONS) - {"description", "env_file"})
    if unknown:
        raise ConfigurationError(f"{path}: environment '{name}': unknown section(s) {unknown}")
    return Environment(name, path, raw)


def _read_env_file(path: Path, environment: str, env_file: str | None) -> dict[str, str]:
    if not env_file:
        return {}
    env_file = PLACEHOLDER.sub(lambda match: os.environ.get(match.group(1)) or match.group(2) or "", env_file)
    file = (path.parent / env_file).resolve()
    if not file.is_file():
        raise MissingFile(
            f"{path}: environment '{environment}' reads env_file {file}, which does not exist"
            + (" (start the lab: python -m lab up)" if environment == "lab" else "")
        )
    values = {}
    for line in file.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


@dataclass
class _Resolver:
    """Resolves one section's placeholders, then validates it with its model (:mod:`keywords.settings_models`)."""

    path: Path
    environment: str
    env_file: dict[str, str]
    #: ``{dotted key: its ${NAME} placeholders}`` for values from the environment: an error never shows them.
    from_environment: dict[str, list[str]] = field(default_factory=dict)

    def section(self, name: str, raw: Any) -> dict[str, Any]:
        model = SECTIONS[name]
        if not isinstance(raw, dict):
            raise self.error(name, "must be a mapping")
        try:
            validated = model.model_validate(self.resolve(name, raw, model))
        except ValidationError as error:
            raise self.error(*_first_problem(name, error, model, self.from_environment)) from None
        return _with_secrets(validated.model_dump())

    def resolve(self, prefix: str, raw: dict, model: type[BaseModel]) -> dict:
        """``raw`` with each ``${NAME}`` replaced; a placeholder's value becomes the type its key takes."""
        resolved = {}
        for key, value in raw.items():
            field = model.model_fields.get(key)
            target = _base_type(field.annotation) if field else None
            dotted = f"{prefix}.{_shown_key(key)}"
            if isinstance(value, dict) and isinstance(target, type) and issubclass(target, BaseModel):
                resolved[key] = self.resolve(dotted, value, target)
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

    def error(self, dotted: str, problem: str, kind: type[ConfigurationError] = ConfigurationError) -> Exception:
        return kind(f"{self.path}: environment '{self.environment}': {dotted} {problem}")


def _base_type(annotation: Any) -> Any:
    """``int`` for ``Annotated[int, ...] | None``: the type a value must have, without its constraints."""
    while get_origin(annotation) is Annotated or (get_origin(annotation) in (Union, UnionType)):
        arguments = [argument for argument in get_args(annotation) if argument is not type(None)]
        annotation = arguments[0]
    return annotation


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


def _first_problem(
    section: str, error: ValidationError, model: type[BaseModel], from_environment: dict[str, list[str]]
) -> tuple[str, str]:
    """(dotted key, what is wrong) of the first problem. A secret key's value, or one that came from the process
    environment (where secrets live), is never shown; hosts are checked by validators that do not repeat them."""
    problem = error.errors(include_url=False)[0]
    location = [_shown_key(part) for part in problem["loc"]]
    dotted = ".".join([section, *location])
    kind, value = problem["type"], problem.get("input")
    if location and location[-1] in SECRET_KEYS:
        shown = "<secret>"
    elif dotted in from_environment:
        shown = f"from {' '.join(from_environment[dotted])} (the value is not shown)"
    else:
        shown = repr(value)
    if kind == "extra_forbidden":
        known = _known_keys(model, location[:-1])
        close = difflib.get_close_matches(location[-1], known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return dotted, f"is not a known key{hint} Known keys: {', '.join(known)}"
    if kind == "missing":
        return dotted, "is missing"
    if kind in _TYPE_NAMES:
        return dotted, f"must be {_TYPE_NAMES[kind]}, got {type(value).__name__} {shown}"
    if kind == "value_error":  # our own validators: their message says what is wrong, without the value
        return dotted, problem["msg"].removeprefix("Value error, ")
    return dotted, f"{problem['msg'].replace('Input should be', 'must be')}, got {shown}"


def _shown_key(key: Any) -> str:
    """A key as typed may hold anything (a line break): shown quoted unless it is a plain name, so one line stays
    one line."""
    return str(key) if re.fullmatch(r"[\w-]+", str(key)) else repr(str(key))


def _known_keys(model: type[BaseModel], path: list[str]) -> list[str]:
    for key in path:
        model = _base_type(model.model_fields[key].annotation)
    return sorted(model.model_fields)


def _with_secrets(values: dict[str, Any]) -> dict[str, Any]:
    """Secret keys' values wrapped in ``Secret``, at every level, so that logging a section never shows them;
    each is also registered for :func:`keywords.redaction.redact`, which masks it in any message."""
    for key, value in values.items():
        if key in SECRET_KEYS and isinstance(value, str):
            register(value)
    return {
        key: _with_secrets(value)
        if isinstance(value, dict)
        else Secret(value)
        if key in SECRET_KEYS and value is not None
        else value
        for key, value in values.items()
    }
