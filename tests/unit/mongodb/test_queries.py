"""Filters, projections, sort and index keys as Robot converts them from .robot, and index matching."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId
from hypothesis import given
from hypothesis import strategies as st
from robot.running.arguments.customconverters import CustomArgumentConverters
from robot.running.arguments.typeinfo import TypeInfo

from keywords.mongodb.queries import (
    CONVERTERS,
    Command,
    Filter,
    IndexKeys,
    Projection,
    SortKeys,
    age_text,
    as_utc,
    describe_index,
    index_problem,
    moment_of,
    with_moments,
)

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
ROBOT_CONVERTERS = CustomArgumentConverters.from_dict(CONVERTERS)


def converted(hint, value):
    """``value`` as Robot converts a keyword's argument typed ``hint`` with the library's converters."""
    return TypeInfo.from_type_hint(hint).convert(value, custom_converters=ROBOT_CONVERTERS)


def test_relative_times_are_moments_before_now():
    assert moment_of("1 hour ago", NOW) == NOW - timedelta(hours=1)
    assert moment_of("2 days 3 hours ago", NOW) == NOW - timedelta(days=2, hours=3)
    assert moment_of(" 90 s AGO ", NOW) == NOW - timedelta(seconds=90)
    assert moment_of("now", NOW) == NOW
    for text in ("long ago", "ago", "1 hour", "node4", "a while ago"):
        assert moment_of(text, NOW) is None, text


def test_relative_times_inside_a_json_filter_as_robot_converts_it():
    before = datetime.now(UTC)
    value = converted(Filter | None, '{"start_time": {"$gte": "1 hour ago"}, "node": "node4"}')
    after = datetime.now(UTC)
    assert isinstance(value, Filter) and value["node"] == "node4"
    moment = value["start_time"]["$gte"]
    assert before - timedelta(hours=1) <= moment <= after - timedelta(hours=1)
    assert converted(Filter | None, "None") is None


def test_a_robot_dictionary_and_extended_json_are_filters_too():
    nested = {"$or": [{"end_time": {"$lt": "30 min ago"}}, {"status": "complete"}]}
    value = converted(Filter, nested)
    assert isinstance(value["$or"][0]["end_time"]["$lt"], datetime)
    assert value["$or"][1] == {"status": "complete"}
    oid = "6b0f6fc81f2f482c2d57dbf6"
    value = converted(Filter, json.dumps({"_id": {"$oid": oid}, "t": {"$date": "2026-11-02T08:00:00Z"}}))
    assert value == {"_id": ObjectId(oid), "t": datetime(2026, 11, 2, 8, tzinfo=UTC)}
    assert converted(Filter, "") == {}


def test_a_moment_before_year_one_is_a_misuse_not_a_crash():
    with pytest.raises(ValueError, match="'800000 days ago' is before the first representable date"):
        Filter.from_robot({"start_time": {"$gte": "800000 days ago"}})


def test_a_filter_that_is_not_an_object_is_refused_naming_the_argument():
    with pytest.raises(ValueError, match="filter is not valid JSON"):
        Filter.from_robot("{node: node4")
    with pytest.raises(ValueError, match="filter must be a dictionary or a JSON object, got list"):
        Filter.from_robot("[1, 2]")


def test_projections_are_names_or_a_mongodb_projection():
    assert converted(Projection, "uuid, start_time") == {"uuid": 1, "start_time": 1}
    assert converted(Projection, ["uuid"]) == {"uuid": 1}
    assert converted(Projection, '{"_id": 0, "uuid": 1}') == {"_id": 0, "uuid": 1}
    with pytest.raises(ValueError, match="projection names no field"):
        Projection.from_robot(" , ")


def test_sort_keys_default_to_ascending():
    assert converted(SortKeys, "start_time:-1") == [("start_time", -1)]
    assert converted(SortKeys, "node, start_time:desc") == [("node", 1), ("start_time", -1)]
    assert converted(SortKeys, ["a:asc", "b:descending"]) == [("a", 1), ("b", -1)]
    assert converted(SortKeys, '{"start_time": -1}') == [("start_time", -1)]
    with pytest.raises(ValueError, match="sort direction must be one of 1, -1, asc, desc, got 'text'"):
        SortKeys.from_robot("body:text")


def test_index_keys_keep_an_absent_direction_and_allow_index_types():
    assert converted(IndexKeys, "start_time") == [("start_time", None)]
    assert converted(IndexKeys, "node:1, location:2dsphere") == [("node", 1), ("location", "2dsphere")]
    with pytest.raises(ValueError, match="keys has a key without a name"):
        IndexKeys.from_robot(":1")


START_TIME = {"name": "start_time_-1", "key": {"start_time": -1}}
COMPOUND = {"name": "node_1_start_time_-1", "key": {"node": 1.0, "start_time": -1.0}}
UNIQUE = {"name": "uuid_1", "key": {"uuid": 1}, "unique": True}
TTL = {"name": "end_time_1", "key": {"end_time": 1}, "expireAfterSeconds": 3600}


@pytest.mark.parametrize(
    ("index", "keys", "unique", "ttl", "problem"),
    [
        (START_TIME, [("start_time", None)], None, None, None),
        (START_TIME, [("start_time", -1)], None, None, None),
        (START_TIME, [("start_time", 1)], None, None, "has other keys"),
        (COMPOUND, [("node", None)], None, None, None),  # a compound index serves its prefix
        (COMPOUND, [("start_time", None)], None, None, "has other keys"),
        (COMPOUND, [("node", 1), ("start_time", -1)], None, None, None),
        (START_TIME, [("start_time", None), ("node", None)], None, None, "has other keys"),
        (UNIQUE, [("uuid", None)], True, None, None),
        (START_TIME, [("start_time", None)], True, None, "is not unique"),
        (UNIQUE, [("uuid", None)], False, None, "is unique"),
        (TTL, [("end_time", None)], None, True, None),
        (TTL, [("end_time", None)], None, timedelta(hours=1), None),
        (TTL, [("end_time", None)], None, timedelta(days=1), "has TTL 3600 s, not 86400 s"),
        (TTL, [("end_time", None)], None, False, "has TTL 3600 s"),
        (START_TIME, [("start_time", None)], None, True, "has no TTL"),
    ],
)
def test_an_index_matches_its_leading_keys_and_the_options_given(index, keys, unique, ttl, problem):
    assert index_problem(index, keys, unique, ttl) == problem


def test_indexes_are_described_as_the_failure_names_them():
    assert describe_index(COMPOUND) == "node_1_start_time_-1 (node:1, start_time:-1)"
    assert describe_index(UNIQUE) == "uuid_1 (uuid:1; unique)"
    assert describe_index(TTL) == "end_time_1 (end_time:1; TTL 3600 s)"


def test_times_and_ages_as_a_failure_shows_them():
    assert as_utc(datetime(2026, 1, 1)) == datetime(2026, 1, 1, tzinfo=UTC)  # pymongo's naive UTC
    assert as_utc("2026-01-01T01:00:00+01:00") == datetime(2026, 1, 1, tzinfo=UTC)
    assert as_utc("yesterday") is None and as_utc(5) is None
    assert age_text(timedelta(days=3, hours=2, minutes=5)) == "3 days 2 hours"
    assert age_text(timedelta(minutes=42, seconds=5)) == "42 min 5 s"
    assert age_text(timedelta(0)) == "0 s"


def test_a_command_is_a_name_json_or_a_dictionary_with_relative_times():
    assert converted(Command, "ping") == {"ping": 1}
    command = converted(Command, '{"count": "recordings", "query": {"start_time": {"$gte": "1 day ago"}}}')
    assert list(command) == ["count", "query"]
    assert isinstance(command["query"]["start_time"]["$gte"], datetime)
    with pytest.raises(ValueError, match="command must name a command"):
        Command.from_robot("{}")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=10), json_values, max_size=5))
def test_fuzz_a_filter_without_relative_times_is_converted_unchanged(document):
    def has_moment(value) -> bool:
        if isinstance(value, str):
            return moment_of(value, NOW) is not None
        if isinstance(value, dict):
            return any(has_moment(item) for item in value.values())
        if isinstance(value, list):
            return any(map(has_moment, value))
        return False

    keys_ok = not any(key.startswith("$") for key in document)  # Extended JSON keys are the parser's, not ours
    if has_moment(document) or not keys_ok:
        return
    assert Filter.from_robot(document) == document
    assert Filter.from_robot(json.dumps(document)) == json.loads(json.dumps(document))


@given(st.integers(min_value=1, max_value=10**5), st.sampled_from(["s", "min", "hours", "days"]))
def test_fuzz_every_relative_time_anywhere_in_a_filter_becomes_a_moment(amount, unit):
    text = f"{amount} {unit} ago"
    converted_value = with_moments({"a": [{"b": text}], "c": text}, NOW)
    assert converted_value["a"][0]["b"] == converted_value["c"] < NOW
