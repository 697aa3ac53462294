"""What the MongoDB read keywords take from ``.robot`` and check: filters with relative times, projections, sort and
index keys, index matching, the age of the newest document and the read-only command allow-list.

Pure functions and the argument types Robot converts to (:class:`Filter`, :class:`Projection`, :class:`SortKeys`,
:class:`IndexKeys`, :class:`Command`: registered as converters by :class:`keywords.mongodb.library.MongoDBLibrary`);
the library sends the queries.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import json_util
from robot.utils import timestr_to_secs

#: ``<Robot time string> ago`` (``1 hour ago``, ``2 days 3 hours ago``, ``90 s ago``) in a filter's values.
_AGO = re.compile(r"^\s*(?P<amount>\S.*?)\s+ago\s*$", re.IGNORECASE)
_DIRECTIONS = {"1": 1, "-1": -1, "asc": 1, "ascending": 1, "desc": -1, "descending": -1}
#: Index types a key may have besides a direction: ``location:2dsphere``.
_INDEX_TYPES = ("text", "2d", "2dsphere", "hashed", "geoHaystack")
#: Aggregation stages that write: an aggregation holding one anywhere is not read-only.
WRITING_STAGES = ("$out", "$merge")
#: Extended JSON as ``mongosh`` reads it, with ``{"$date": ...}`` an aware UTC datetime.
_JSON_OPTIONS = json_util.RELAXED_JSON_OPTIONS.with_options(tz_aware=True, tzinfo=UTC)

#: The commands `Run Read Only Command` sends, each with what it reads; every other command is refused before it is
#: sent. The one list: the keyword's documentation is made from it.
READ_ONLY_COMMANDS: dict[str, str] = {
    "ping": "liveness",
    "hello": "the server's role in its topology",
    "isMaster": "the same, by its old name",
    "ismaster": "the same, lower case",
    "buildInfo": "the server's version and build",
    "connectionStatus": "the authenticated user and its roles",
    "listDatabases": "databases (with ``nameOnly``: names only)",
    "listCollections": "collections of a database",
    "listIndexes": "indexes of a collection",
    "find": "documents (the server's first batch)",
    "count": "the number of matching documents",
    "distinct": "the distinct values of a key",
    "aggregate": "an aggregation, refused when any stage is ``$out`` or ``$merge``",
    "explain": "a query plan, refused unless the explained command is on this list",
    "collStats": "a collection's sizes and index sizes",
    "dbStats": "a database's sizes and counts",
    "serverStatus": "uptime, connections, operation counters",
    "replSetGetStatus": "the replica set's members, states and optimes",
    "hostInfo": "the server's host: memory, cores, operating system",
    "currentOp": "operations in progress (their filters may hold customer data: logged at DEBUG)",
    "top": "time spent per collection",
    "getLog": "the server's recent log lines",
    "getParameter": "server parameters",
}


class _Converted:
    """Argument types converted from ``.robot`` values; each class's :meth:`from_robot` is its Robot converter."""


class Filter(dict, _Converted):
    """A query filter: a dictionary, or JSON text (MongoDB Extended JSON: ``{"$date": ...}``, ``{"$oid": ...}``).

    Any string value ``<Robot time string> ago`` (``1 hour ago``, ``2 days ago``, ``30 min ago``), at any depth, is
    that moment in UTC, and ``now`` is the moment of the conversion: ``{"start_time": {"$gte": "1 hour ago"}}``.
    """

    @classmethod
    def from_robot(cls, value: str | Mapping | None) -> Filter:
        if value is None or (isinstance(value, str) and not value.strip()):
            return cls()
        parsed = _json_object(value, "filter") if isinstance(value, str) else value
        if not isinstance(parsed, Mapping):
            raise ValueError(f"filter must be a dictionary or a JSON object, got {type(parsed).__name__}")
        return cls(with_moments(parsed, datetime.now(UTC)))


class Projection(dict, _Converted):
    """The fields to return: names (``uuid, start_time`` or a list), or a MongoDB projection as a dictionary or JSON."""

    @classmethod
    def from_robot(cls, value: str | list | tuple | Mapping) -> Projection:
        if isinstance(value, str) and value.strip().startswith("{"):
            value = _json_object(value, "projection")
        if isinstance(value, Mapping):
            return cls(value)
        names = _items(value)
        if not names:
            raise ValueError("projection names no field")
        return cls(dict.fromkeys(names, 1))


class SortKeys(list, _Converted):
    """Sort keys: ``start_time:-1``, ``node, start_time:desc``, a list of such, or a dictionary ``{key: direction}``;
    a key without a direction sorts ascending."""

    @classmethod
    def from_robot(cls, value: str | list | tuple | Mapping) -> SortKeys:
        keys = parse_keys(value, "sort", allow_types=False)
        return cls((name, 1 if direction is None else direction) for name, direction in keys)


class IndexKeys(list, _Converted):
    """An index's keys as `Collection Should Have Index` expects them: ``start_time`` (either direction),
    ``start_time:-1``, ``node:1, start_time:-1``, ``location:2dsphere``, a list of such, or a dictionary."""

    @classmethod
    def from_robot(cls, value: str | list | tuple | Mapping) -> IndexKeys:
        return cls(parse_keys(value, "keys", allow_types=True))


class Command(dict, _Converted):
    """A database command: its name alone (``ping``), JSON text (``{"count": "recordings", "query": {...}}``: the
    first key is the command) or a dictionary. Relative times are converted as in a :class:`Filter`."""

    @classmethod
    def from_robot(cls, value: str | Mapping) -> Command:
        if isinstance(value, str):
            text = value.strip()
            parsed = _json_object(text, "command") if text.startswith("{") else {text: 1}
        else:
            parsed = value
        if not isinstance(parsed, Mapping) or not parsed:
            raise ValueError("command must name a command: a name, a JSON object or a dictionary")
        return cls(with_moments(parsed, datetime.now(UTC)))


#: ``{type: converter}`` for ``@library(converters=...)``.
CONVERTERS = {kind: kind.from_robot for kind in (Filter, Projection, SortKeys, IndexKeys, Command)}


def moment_of(text: str, now: datetime) -> datetime | None:
    """The moment ``text`` names when it is ``now`` or ``<Robot time string> ago``; ``None`` for any other text."""
    if text.strip().lower() == "now":
        return now
    found = _AGO.match(text)
    if not found:
        return None
    try:
        seconds = timestr_to_secs(found.group("amount"))
    except ValueError:
        return None
    try:
        return now - timedelta(seconds=seconds)
    except OverflowError:
        raise ValueError(f"'{text}' is before the first representable date") from None


def with_moments(value: Any, now: datetime) -> Any:
    """``value`` with every string that names a moment (:func:`moment_of`) replaced by it, at any depth."""
    if isinstance(value, str):
        moment = moment_of(value, now)
        return value if moment is None else moment
    if isinstance(value, Mapping):
        return {key: with_moments(item, now) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [with_moments(item, now) for item in value]
    return value


def parse_keys(value: Any, argument: str, allow_types: bool) -> list[tuple[str, int | str | None]]:
    """``[(key, direction or index type or None)]`` of ``key:direction`` items, a list of them, JSON or a dict."""
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        value = _json_object(value, argument)
    if isinstance(value, Mapping):
        pairs = [(str(key), _direction(str(direction), argument, allow_types)) for key, direction in value.items()]
    else:
        pairs = [_key_and_direction(item, argument, allow_types) for item in _items(value)]
    if not pairs:
        raise ValueError(f"{argument} names no key")
    return pairs


def describe_keys(keys: list[tuple[str, Any]]) -> str:
    """``node:1, start_time:-1``; a key of either direction is its name alone."""
    return ", ".join(name if direction is None else f"{name}:{direction}" for name, direction in keys)


def index_keys(index: Mapping) -> list[tuple[str, Any]]:
    """An index document's keys in order, directions as the server gives them (``1``, ``-1``, ``"text"``)."""
    return [(str(name), _plain_number(direction)) for name, direction in (index.get("key") or {}).items()]


def describe_index(index: Mapping) -> str:
    """``start_time_-1 (start_time:-1)``, with ``unique`` and ``TTL 3600 s`` where the index has them."""
    extras = ["unique"] if index.get("unique") else []
    if "expireAfterSeconds" in index:
        extras.append(f"TTL {_plain_number(index['expireAfterSeconds'])} s")
    return f"{index.get('name', '?')} ({'; '.join([describe_keys(index_keys(index)), *extras])})"


def index_problem(
    index: Mapping, keys: list[tuple[str, Any]], unique: bool | None, ttl: timedelta | bool | None
) -> str | None:
    """Why ``index`` is not the one asked for, or ``None`` when it is.

    The index's leading keys must be ``keys`` in order (a compound index serves its prefixes), each with the
    direction given where one is; ``unique`` and ``ttl`` (``True``: any TTL; a duration: exactly that) are checked
    only when given.
    """
    present = index_keys(index)
    if len(present) < len(keys):
        return "has other keys"
    for (name, direction), (present_name, present_direction) in zip(keys, present, strict=False):
        if name != present_name or (direction is not None and direction != present_direction):
            return "has other keys"
    if unique is not None and bool(index.get("unique")) != unique:
        return "is unique" if index.get("unique") else "is not unique"
    if ttl is not None and ttl is not False:
        if "expireAfterSeconds" not in index:
            return "has no TTL"
        if isinstance(ttl, timedelta) and float(index["expireAfterSeconds"]) != ttl.total_seconds():
            return f"has TTL {_plain_number(index['expireAfterSeconds'])} s, not {ttl.total_seconds():g} s"
    if ttl is False and "expireAfterSeconds" in index:
        return f"has TTL {_plain_number(index['expireAfterSeconds'])} s"
    return None


def as_utc(value: Any) -> datetime | None:
    """``value`` as an aware UTC datetime: a BSON date (pymongo's naive UTC) or ISO text; ``None`` for other values."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def age_text(age: timedelta) -> str:
    """``3 days 2 hours``, ``42 min 5 s``, ``12 s``: two units at most, for a failure's line."""
    seconds = int(abs(age.total_seconds()))
    parts = []
    for unit, size in (("day", 86400), ("hour", 3600), ("min", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            plural = "s" if count > 1 and unit in ("day", "hour") else ""
            parts.append(f"{count} {unit}{plural}")
    return " ".join(parts[:2]) or "0 s"


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def refusal(command: Mapping) -> str | None:
    """Why ``command`` is not read-only by :data:`READ_ONLY_COMMANDS`, or ``None`` when it may be sent."""
    if not command:
        return "the command is empty"
    name = next(iter(command))
    if name not in READ_ONLY_COMMANDS:
        return f"'{name}' is not on the read-only allow-list"
    stage = _writing_stage(command)
    if stage:
        return f"'{name}' has a {stage} stage, which writes"
    if name == "explain":
        explained = command[name]
        if not isinstance(explained, Mapping):
            return "'explain' must hold the command it explains"
        inner = refusal(explained)
        if inner:
            return f"'explain' of a refused command: {inner}"
    return None


def check_read_only(command: Mapping) -> str:
    """The command's name; ``ValueError`` naming it and the reason when it is not read-only."""
    reason = refusal(command)
    if reason:
        allowed = ", ".join(READ_ONLY_COMMANDS)
        raise ValueError(f"MongoDB command refused before sending: {reason}; read-only commands: {allowed}")
    return next(iter(command))


def allow_list_table() -> str:
    """The allow-list as a libdoc table."""
    return "\n".join(f"| ``{name}`` | {reads} |" for name, reads in READ_ONLY_COMMANDS.items())


def _writing_stage(value: Any) -> str | None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key in WRITING_STAGES:
                return key
            found = _writing_stage(item)
            if found:
                return found
    elif isinstance(value, list | tuple):
        for item in value:
            found = _writing_stage(item)
            if found:
                return found
    return None


def _json_object(text: str, argument: str) -> Any:
    try:
        return json_util.loads(text, json_options=_JSON_OPTIONS)
    except ValueError as error:
        raise ValueError(f"{argument} is not valid JSON ({error}): {text}") from None


def _items(value: Any) -> list[str]:
    """The items of ``a, b`` or of a list, stripped, empty ones left out."""
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(item).strip() for item in items if str(item).strip()]


def _key_and_direction(item: str, argument: str, allow_types: bool) -> tuple[str, int | str | None]:
    name, _, direction = item.rpartition(":") if ":" in item else (item, "", "")
    name = name.strip()
    if not name:
        raise ValueError(f"{argument} has a key without a name: '{item}'")
    return name, (_direction(direction.strip(), argument, allow_types) if direction.strip() else None)


def _direction(text: str, argument: str, allow_types: bool) -> int | str:
    if text.lower() in _DIRECTIONS:
        return _DIRECTIONS[text.lower()]
    if allow_types and text in _INDEX_TYPES:
        return text
    kinds = "1, -1, asc, desc" + (", " + ", ".join(_INDEX_TYPES) if allow_types else "")
    raise ValueError(f"{argument} direction must be one of {kinds}, got '{text}'")


def _plain_number(value: Any) -> Any:
    """``1.0`` as ``1``: servers give index directions and TTLs as doubles or integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
