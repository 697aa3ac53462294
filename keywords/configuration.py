"""The configuration layer (the product's ConfigManager): environments in YAML, secrets from the process environment.

An environments file maps environment names to sections (``mongodb``, ``kubernetes``, ``ssh``).
String values may hold ``${NAME}`` or ``${NAME:-default}`` placeholders; they are resolved from ``os.environ``
first and then from the environment's optional ``env_file`` (a ``NAME=value`` file, which the lab writes).
Values of secret keys (``password``, ``token``, ...) come back wrapped in Robot Framework's
:class:`~robot.api.types.Secret`, so logging a section never shows them.

Every problem raises :class:`ConfigurationError` with one line naming the file, environment and key.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from robot.api.types import Secret

from keywords.config_schema import SCHEMA, SECRET_KEYS, Field

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
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigurationError(f"malformed YAML in {path}{where}: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path}: top level must map environment names to settings")
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
            if name not in SCHEMA:
                raise ConfigurationError(f"{self.path}: no section '{name}' exists; known: {sorted(SCHEMA)}")
            if name not in self._raw:
                raise ConfigurationError(f"{self.path}: environment '{self.name}' has no '{name}' section")
            env_file = _read_env_file(self.path, self.name, self._raw.get("env_file"))
            resolver = _Resolver(self.path, self.name, env_file)
            self._resolved[name] = resolver.section(name, self._raw[name], SCHEMA[name])
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
    unknown = sorted(set(raw) - set(SCHEMA) - {"description", "env_file"})
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
    path: Path
    environment: str
    env_file: dict[str, str]

    def section(self, prefix: str, raw: Any, fields: dict[str, Field | dict]) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise self.error(prefix, "must be a mapping")
        unknown = sorted(set(raw) - set(fields))
        if unknown:
            raise self.error(prefix, f"unknown key(s) {unknown}; known: {sorted(fields)}")
        resolved = {}
        for key, field in fields.items():
            dotted = f"{prefix}.{key}"
            if isinstance(field, dict):
                if key in raw:
                    resolved[key] = self.section(dotted, raw[key], field)
                continue
            if key not in raw or raw[key] is None:
                if field.required and not self.disabled(raw):
                    raise self.error(dotted, "is missing")
                resolved[key] = field.default
                continue
            resolved[key] = self.value(dotted, key, raw[key], field)
        return resolved

    @staticmethod
    def disabled(raw: dict) -> bool:
        return raw.get("enabled") is False

    def value(self, dotted: str, key: str, value: Any, field: Field) -> Any:
        from_placeholder = isinstance(value, str) and PLACEHOLDER.search(value) is not None
        if from_placeholder:
            value = PLACEHOLDER.sub(lambda match: self.lookup(dotted, *match.groups()), value)
        secret = key in SECRET_KEYS
        value = self.typed(dotted, value, field, from_placeholder, secret)
        return Secret(value) if secret else value

    def lookup(self, dotted: str, variable: str, default: str | None = None) -> str:
        value = os.environ.get(variable) or self.env_file.get(variable) or default
        if not value:
            raise self.error(dotted, f"needs environment variable {variable}, which is not set", MissingVariable)
        return value

    def typed(self, dotted: str, value: Any, field: Field, from_placeholder: bool, secret: bool) -> Any:
        if from_placeholder and field.type is int and value.isdigit():
            return int(value)
        if from_placeholder and field.type is bool and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if field.type is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not isinstance(value, field.type) or (field.type is int and isinstance(value, bool)):
            expected = getattr(field.type, "__name__", str(field.type))
            shown = "<secret>" if secret else repr(value)
            raise self.error(dotted, f"must be {expected}, got {type(value).__name__} {shown}")
        return value

    def error(self, dotted: str, problem: str, kind: type[ConfigurationError] = ConfigurationError) -> Exception:
        return kind(f"{self.path}: environment '{self.environment}': {dotted} {problem}")
