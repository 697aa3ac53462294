"""What each environment section may hold, as pydantic models: keys, types, ranges and defaults.

:mod:`keywords.config.environments` resolves ``${NAME}`` placeholders, then validates a section with its model; a
problem becomes one line naming the file, environment and dotted key. The environments file's JSON Schema is
generated from these models (``python -m keywords.config.settings_models`` writes
``variables/environments.schema.json``) so that editors check what QA types; a test keeps the checked-in copy current.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import json
import re
import sys
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from keywords import PROJECT_ROOT

#: Keys whose values are wrapped in ``Secret`` and never shown, not even in a validation error.
SECRET_KEYS = frozenset({"password", "token", "key_passphrase", "tls_certificate_key_file_password"})
SCHEMA_FILE = PROJECT_ROOT / "variables" / "environments.schema.json"
#: ``${NAME}`` or ``${NAME:-default}``: the one definition, which :mod:`keywords.config.environments` resolves with.
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
#: The JSON Schema's form of it: a string holding a placeholder, which editors accept for a number or a boolean.
PLACEHOLDER_PATTERN = rf"^.*{PLACEHOLDER.pattern}.*$"
#: Control characters and line separators: never in a file name that is typed, and they would split a message.
_CONTROL = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
_HAS_CONTROL = re.compile(f"[{_CONTROL}]")
_HOST_LABEL = r"[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?"
_HOST_NAME = re.compile(rf"^(?=.{{1,253}}$){_HOST_LABEL}(\.{_HOST_LABEL})*\.?$")


def _host(value: str) -> str:
    # A URI or user@host may carry a password: the message never repeats the value.
    if "://" in value or "@" in value:
        raise ValueError(
            "must be a host name or address, not a URI or user@host (the value is not shown: it may hold a "
            "password); put the user and password in their own keys"
        )
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if not _HOST_NAME.match(value):
            raise ValueError("must be a host name or an IP address") from None
    return value


def _file_path(value: str) -> str:
    # The path is opened (NUL raises there) and shown in messages (a line break would split one): the value is
    # not repeated, since that would break the message it is reported in.
    if not value.strip():
        raise ValueError("must name a file; leave the key out for none")
    if _HAS_CONTROL.search(value):
        raise ValueError("must be a file path on one line, without control characters such as NUL or a line break")
    return value


def _glob(value: str) -> str:
    if not value.strip():
        raise ValueError("must be a non-empty glob pattern such as panda-panda-focus-server-*")
    re.compile(fnmatch.translate(value))
    return value


Host = Annotated[str, AfterValidator(_host)]
Port = Annotated[int, Field(ge=1, le=65535)]
TimeoutMs = Annotated[int, Field(gt=0, le=600_000)]  # above 10 minutes a check is a hang, not a timeout
Seconds = Annotated[float, Field(gt=0, le=600)]
Milliseconds = Annotated[float, Field(gt=0, le=600_000)]
Glob = Annotated[str, AfterValidator(_glob)]
FilePath = Annotated[str, AfterValidator(_file_path)]


class Section(BaseModel):
    """Strict: ``"27017"`` is not a port (a placeholder's value is converted before validation)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class MongoDB(Section):
    host: Host
    port: Port
    username: str | None = None
    password: str | None = None
    database: str
    auth_source: str = "admin"
    server_selection_timeout_ms: TimeoutMs = 10000
    connect_timeout_ms: TimeoutMs = 10000
    socket_timeout_ms: TimeoutMs = 10000
    max_pool_size: Annotated[int, Field(ge=1, le=1000)] = 10
    min_pool_size: Annotated[int, Field(ge=0, le=1000)] = 1
    ping_samples: Annotated[int, Field(ge=1, le=1000)] = 5
    acceptable_response_time_ms: Milliseconds = 50.0
    max_response_time_ms: Milliseconds = 100.0
    required_collections: list[str] = Field(default_factory=lambda: ["recordings", "tasks", "metadata", "node4"])
    tls: bool = False
    tls_ca_file: str | None = None
    tls_certificate_key_file: str | None = None  # a client certificate and its key, in one PEM file
    tls_certificate_key_file_password: str | None = None
    tls_allow_invalid_hostnames: bool = False


class Service(Section):
    name: str
    type: str = "ClusterIP"
    cluster_ip: str | None = None
    port: Port | None = None


class Kubernetes(Section):
    api_server: str | None = None
    kubeconfig: str | None = None
    context: str | None = None
    token: str | None = None
    ca_file: str | None = None
    in_cluster: bool = False
    verify_tls: bool = True
    request_timeout_s: Seconds = 10.0
    #: How long a ``... Within`` keyword waits by default, and how often it looks again meanwhile.
    wait_timeout_s: Seconds = 120.0
    wait_poll_s: Seconds = 2.0
    namespace: str = "panda"
    pod_pattern: Glob = "panda-panda-focus-server-*"
    label_selector: str | None = None
    min_pods: Annotated[int, Field(ge=0)] = 1
    max_restarts: Annotated[int, Field(ge=0)] = 5
    log_lines: Annotated[int, Field(ge=0, le=10000)] = 10
    service: Service | None = None


class SshHost(Section):
    host: Host
    port: Port = 22
    username: str
    password: str | None = None
    key_file: str | None = None
    key_passphrase: str | None = None
    use_agent: bool = False


class Ssh(Section):
    enabled: bool = True
    timeout_s: Seconds = 5.0
    max_connect_latency_s: Seconds = 2.0
    known_hosts: str | None = None
    accept_unknown_host_keys: bool = False
    jump_host: SshHost | None = None
    #: A chain of jump hosts, first to last: each reached through the one before it, the target through the last.
    jump_hosts: Annotated[list[SshHost], Field(min_length=1, max_length=10)] | None = None
    target_host: SshHost | None = None

    @model_validator(mode="after")
    def _one_way_to_name_the_jump_hosts(self) -> Ssh:
        if self.jump_host is not None and self.jump_hosts is not None:
            raise ValueError("give jump_host (one) or jump_hosts (a chain), not both")
        return self


class ExpectedMongoDB(Section):
    """PZ-13807: the MongoDB endpoint the Focus Server's own configuration must name in this environment."""

    host: str | None = None
    port: Port | None = None
    database: str | None = None
    username: str | None = None


class FocusServer(Section):
    config_file: str | None = None
    environment: str | None = None
    expected_mongodb: ExpectedMongoDB | None = None


SECTIONS: dict[str, type[Section]] = {
    "mongodb": MongoDB,
    "kubernetes": Kubernetes,
    "ssh": Ssh,
    "focus_server": FocusServer,
}


class Environment(Section):
    """One environment: its own keys, checked when it is loaded, and its sections, each checked when asked for."""

    # The JSON Schema's unit. keywords.config.environments checks a section's contents only when a check asks for it (a
    # MongoDB check needs no SSH secret), and the rest (these two keys, the sections' names) as soon as it loads.

    description: str | None = None
    #: ``NAME=value`` lines that placeholders read after the process environment; relative to the environments file.
    env_file: FilePath | None = Field(default=None, json_schema_extra={"pattern": f"^[^{_CONTROL}]+$"})
    mongodb: MongoDB | None = None
    kubernetes: Kubernetes | None = None
    ssh: Ssh | None = None
    focus_server: FocusServer | None = None


def json_schema() -> dict[str, Any]:
    """The environments file's JSON Schema: environment names to :class:`Environment`; any value may also be a
    ``${NAME}`` placeholder, resolved from the process environment when the suite runs."""
    schema = TypeAdapter(dict[str, Environment]).json_schema()
    schema["title"] = "Focus Server infrastructure suite: environments"
    placeholder = {"type": "string", "pattern": PLACEHOLDER_PATTERN}
    for definition in schema.get("$defs", {}).values():
        for name, prop in definition.get("properties", {}).items():
            if _types(prop) & {"integer", "number", "boolean"}:  # a string is already allowed for the others
                definition["properties"][name] = {"anyOf": [prop, placeholder]}
    return schema


def _types(prop: dict[str, Any]) -> set[str]:
    return {prop["type"]} if "type" in prop else {kind for option in prop.get("anyOf", []) for kind in _types(option)}


def settings_table() -> str:
    """The table of every setting (docs/settings.md): dotted key, type, range, default (``required`` if none)."""
    rows = ["| key | type | allowed | default |", "|---|---|---|---|"]
    for name, model in SECTIONS.items():
        rows += _rows(name, model)
    return "\n".join(rows)


def _rows(prefix: str, model: type[BaseModel]) -> list[str]:
    rows = []
    for name, field in model.model_fields.items():
        kinds = [kind for kind in allowed_types(field.annotation) if kind is not type(None)]
        nested = [kind for kind in kinds if isinstance(kind, type) and issubclass(kind, BaseModel)]
        if nested:
            rows += _rows(f"{prefix}.{name}", nested[0])
            continue
        kind = kinds[0]
        items = get_args(kind) if get_origin(kind) is list else ()
        if items and isinstance(items[0], type) and issubclass(items[0], BaseModel):
            rows += _rows(f"{prefix}.{name}[]", items[0])
            continue
        type_name = "list of str" if get_origin(kind) is list else kind.__name__
        metadata = [*field.metadata, *_annotated_metadata(field.annotation)]
        allowed = _limits(metadata)
        if any(isinstance(meta, AfterValidator) for meta in metadata):
            allowed.append("a host name or address, no URI" if name == "host" else "a non-empty glob")
        if field.is_required():
            default = "required"
        else:
            value = field.get_default(call_default_factory=True)
            default = "—" if value is None else f"`{value}`"
        secret = " (secret)" if name in SECRET_KEYS else ""
        rows.append(f"| `{prefix}.{name}`{secret} | {type_name} | {', '.join(allowed)} | {default} |")
    return rows


def allowed_types(annotation: Any) -> list[Any]:
    """The types an annotation allows, ``Annotated`` and ``Optional`` unwrapped."""
    if get_origin(annotation) is Annotated:
        return allowed_types(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        return [kind for argument in get_args(annotation) for kind in allowed_types(argument)]
    return [annotation]


def base_type(annotation: Any) -> Any:
    """``int`` for ``Annotated[int, ...] | None``: the type a value must have, without its constraints."""
    return [kind for kind in allowed_types(annotation) if kind is not type(None)][0]


def _annotated_metadata(annotation: Any) -> list[Any]:
    if get_origin(annotation) is Annotated:
        # Field(ge=1) inside Annotated is a FieldInfo whose own metadata holds the constraints.
        return [part for meta in get_args(annotation)[1:] for part in getattr(meta, "metadata", [meta])]
    if get_origin(annotation) in (Union, UnionType):
        return [meta for argument in get_args(annotation) for meta in _annotated_metadata(argument)]
    return []


def _limits(metadata: list[Any]) -> list[str]:
    symbols = (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤"))
    return [
        f"{symbol} {getattr(meta, name)}"
        for meta in metadata
        for name, symbol in symbols
        if getattr(meta, name, None) is not None
    ]


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}", file=sys.stderr)
