"""The read keywords of MongoDBLibrary against the lab's SecantusDB: queries, counts, indexes, the newest document,
replica-set and server status, and the read-only command: each verification passes on the healthy lab and fails
with a one-line cause (a standalone server, a fault of the lab, or a bound the lab cannot meet)."""

from __future__ import annotations

import re
import shutil
import tempfile
from datetime import datetime, timedelta

import pytest
from pymongo import MongoClient
from robot.api.types import Secret
from secantus import SecantusDBServer

from keywords.config.environment_choice import settings_of
from keywords.mongodb.library import MongoDBLibrary
from keywords.mongodb.queries import Command, Filter, IndexKeys, Projection, SortKeys
from keywords.mongodb.server_health import ConnectionLimit
from lab.mongo import MongoComponent
from tests.helpers import failure_of, running_lab

TARGET = r"MongoDB 127\.0\.0\.1:\d+: "


@pytest.fixture(scope="module")
def healthy_lab(tmp_path_factory):
    with running_lab(tmp_path_factory.mktemp("mongo-queries"), [MongoComponent()]) as published:
        yield published


@pytest.fixture
def library(healthy_lab):
    library = MongoDBLibrary(environment="lab")
    library.connect_to_mongodb()
    yield library
    library.close_all_mongodb_connections()


def with_changes(**changes) -> dict:
    return {**settings_of("mongodb", "lab"), **changes}


def one_line(message: str, pattern: str) -> None:
    assert "\n" not in message, message
    assert re.fullmatch(TARGET + pattern, message), message


def test_find_documents_filters_projects_sorts_and_limits(library):
    documents = library.find_documents(
        "recordings",
        Filter.from_robot('{"start_time": {"$gte": "1 day ago"}}'),
        Projection.from_robot("uuid, start_time"),
        SortKeys.from_robot("start_time:-1"),
        limit=2,
    )
    assert len(documents) == 2
    assert set(documents[0]) == {"_id", "uuid", "start_time"}
    assert documents[0].start_time > documents[1].start_time  # read by attribute, newest first
    assert library.find_documents("recordings", Filter.from_robot({"node": "elsewhere"})) == []
    assert failure_of(lambda: library.find_documents("recordings", limit=0), ValueError) == (
        "limit must be between 1 and 10000, got 0"
    )


def test_counts_and_distinct_values_with_relative_times(library):
    assert library.count_documents("recordings") == 3
    assert library.count_documents("recordings", Filter.from_robot('{"start_time": {"$gte": "1 hour ago"}}')) == 1
    assert library.get_distinct_values("recordings", "node") == ["node4"]
    assert library.get_distinct_values("recordings", "channels.last", Filter.from_robot({"status": "gone"})) == []


def test_count_should_be_at_least_passes_and_fails_with_the_count(library):
    assert library.count_documents_should_be_at_least("recordings", 3) == 3
    message = failure_of(lambda: library.count_documents_should_be_at_least("recordings", 4))
    one_line(message, r"prisma\.recordings has 3 document\(s\), expected at least 4")


def test_the_lab_indexes_are_listed(library):
    indexes = library.get_collection_indexes("recordings")
    assert [index.name for index in indexes] == ["_id_", "start_time_-1", "uuid_1"]
    assert indexes[2].unique is True


def test_collection_should_have_index_passes_on_the_seeded_indexes(library):
    assert library.collection_should_have_index("recordings", IndexKeys.from_robot("start_time")).name == (
        "start_time_-1"
    )
    library.collection_should_have_index("recordings", IndexKeys.from_robot("start_time:-1"))
    library.collection_should_have_index("recordings", IndexKeys.from_robot("uuid"), unique=True)
    library.collection_should_have_index("recordings", IndexKeys.from_robot(["uuid:asc"]), ttl=False)


def test_collection_should_have_index_fails_naming_the_indexes_there_are(library):
    message = failure_of(lambda: library.collection_should_have_index("recordings", IndexKeys.from_robot("end_time")))
    one_line(
        message,
        r"prisma\.recordings has no index on end_time; indexes: _id_ \(_id:1\), start_time_-1 \(start_time:-1\), "
        r"uuid_1 \(uuid:1; unique\)",
    )
    message = failure_of(
        lambda: library.collection_should_have_index("recordings", IndexKeys.from_robot("uuid"), ttl=True)
    )
    one_line(
        message,
        r"prisma\.recordings has no index on uuid \(with a TTL\); indexes: uuid_1 \(uuid:1; unique\) has no TTL",
    )
    message = failure_of(
        lambda: library.collection_should_have_index("recordings", IndexKeys.from_robot("start_time"), unique=True)
    )
    assert message.endswith("indexes: start_time_-1 (start_time:-1) is not unique")
    message = failure_of(lambda: library.get_collection_indexes("nodes9"))
    one_line(message, r"collection prisma\.nodes9 does not exist; collections: \['metadata', 'node4', .*\]")


def test_the_newest_recording_is_less_than_an_hour_old_in_the_lab(library):
    newest = library.newest_document_should_be_newer_than("recordings", timedelta(hours=1))
    assert 0 < newest.age_s < 3600 and isinstance(newest.moment, datetime)
    library.newest_document_should_be_newer_than(
        "recordings", timedelta(hours=1), "end_time", Filter({"node": "node4"})
    )


def test_the_newest_document_fails_when_older_or_absent(library):
    message = failure_of(lambda: library.newest_document_should_be_newer_than("recordings", timedelta(minutes=10)))
    one_line(
        message, r"the newest start_time in prisma\.recordings is \S+Z, \d+ min( \d+ s)? old: not newer than 10 min"
    )
    message = failure_of(lambda: library.newest_document_should_be_newer_than("tasks", timedelta(hours=1)))
    one_line(message, r"prisma\.tasks has no document with start_time: nothing recorded")
    message = failure_of(lambda: library.newest_document_should_be_newer_than("metadata", timedelta(hours=1), "value"))
    one_line(message, r"the newest value in prisma\.metadata is not a date: .*")


def test_the_lab_is_a_single_member_replica_set_with_a_primary(library):
    status = library.get_replica_set_status()
    assert status.set == "secantus" and [member.state for member in status.members] == ["PRIMARY"]
    assert library.replica_set_should_have_a_primary() == status.primary
    library.replica_set_members_should_be_healthy()
    assert library.replication_lag_should_be_below(timedelta(seconds=10)) == 0.0


@pytest.fixture(scope="module")
def standalone_server():
    """A SecantusDB without a replica set and without authentication: what a developer's mongod is."""
    folder = tempfile.mkdtemp(prefix="focus-standalone-")
    server = SecantusDBServer(host="127.0.0.1", port=0, storage_path=folder, replica_set_name=None)
    server.start()
    yield server.port
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize(
    "check",
    ["replica_set_should_have_a_primary", "replica_set_members_should_be_healthy", "replication_lag_should_be_below"],
)
def test_every_replica_set_check_fails_on_a_standalone_server_saying_so(healthy_lab, standalone_server, check):
    library = MongoDBLibrary(environment="lab")
    try:
        library.connect_to_mongodb(settings=with_changes(port=standalone_server, username=None, password=None))
        arguments = (timedelta(seconds=10),) if check == "replication_lag_should_be_below" else ()
        message = failure_of(lambda: getattr(library, check)(*arguments))
    finally:
        library.close_all_mongodb_connections()
    one_line(message, r"not a replica set \(replSetGetStatus: not running with --replSet\): a standalone server")


def test_server_status_and_connections_below_a_number(library):
    status = library.get_mongodb_server_status()
    assert status.connections.current >= 1 and status.version
    assert library.connections_should_be_below(ConnectionLimit.from_robot("1000")) == status.connections.current


def test_connections_below_a_share_fail_on_the_lab_which_reports_none_available(library):
    # SecantusDB reports connections.available 0 always ("unbounded in practice"): by mongod's meaning, full.
    message = failure_of(lambda: library.connections_should_be_below(ConnectionLimit.from_robot("80%")))
    one_line(message, r"(\d+) of \1 possible connection\(s\) in use \(100 %, 0 available\), at or above 80 %")


def test_read_only_commands_are_answered(library):
    assert library.run_read_only_command(Command.from_robot("ping")).ok == 1.0
    stats = library.run_read_only_command(Command.from_robot('{"collStats": "recordings"}'))
    assert stats.count == 3 and "$clusterTime" not in stats
    counted = library.run_read_only_command(
        Command.from_robot('{"count": "recordings", "query": {"start_time": {"$gte": "1 hour ago"}}}')
    )
    assert counted.n == 1


@pytest.fixture
def admin_library(healthy_lab):
    """Connected as the lab's root user: the server would accept any write, so only the keyword can refuse it."""
    library = MongoDBLibrary(environment="lab")
    admin = {"username": "admin", "password": Secret(healthy_lab["LAB_MONGO_ADMIN_PASSWORD"]), "auth_source": "admin"}
    library.connect_to_mongodb(settings=with_changes(**admin))
    yield library
    library.close_all_mongodb_connections()


def lab_state(lab: dict) -> tuple:
    with MongoClient(
        host="127.0.0.1",
        port=int(lab["LAB_MONGO_PORT"]),
        username="admin",
        password=lab["LAB_MONGO_ADMIN_PASSWORD"],
        directConnection=True,
        serverSelectionTimeoutMS=5000,
    ) as admin:
        database = admin["prisma"]
        counts = {name: database[name].count_documents({}) for name in database.list_collection_names()}
        return counts, sorted(index["name"] for index in database["recordings"].list_indexes())


@pytest.mark.parametrize(
    ("command", "named"),
    [
        ('{"insert": "tasks", "documents": [{"probe": 1}]}', "'insert'"),
        ('{"delete": "recordings", "deletes": [{"q": {}, "limit": 0}]}', "'delete'"),
        ('{"update": "metadata", "updates": [{"q": {}, "u": {"$set": {"value": 0}}}]}', "'update'"),
        ('{"drop": "recordings"}', "'drop'"),
        ('{"dropIndexes": "recordings", "index": "start_time_-1"}', "'dropIndexes'"),
        ('{"aggregate": "recordings", "pipeline": [{"$out": "copy"}], "cursor": {}}', "$out"),
        ('{"aggregate": "recordings", "pipeline": [{"$merge": {"into": "copy"}}], "cursor": {}}', "$merge"),
    ],
)
def test_a_write_is_refused_before_it_is_sent_even_for_a_root_user(healthy_lab, admin_library, command, named):
    before = lab_state(healthy_lab)
    message = failure_of(lambda: admin_library.run_read_only_command(Command.from_robot(command)), ValueError)
    assert message.startswith("MongoDB command refused before sending: ") and named in message.split(";")[0]
    assert lab_state(healthy_lab) == before  # nothing reached the server: same documents, collections, indexes


@pytest.mark.parametrize(
    ("fault", "failing", "expected"),
    [
        ("mongo-missing-index", "index", r"prisma\.recordings has no index on start_time; indexes: _id_ \(_id:1\), "),
        ("mongo-stale-recordings", "newest", r"the newest start_time in prisma\.recordings is \S+Z, 3 days "),
    ],
)
def test_lab_faults_fail_exactly_their_check(tmp_path, fault, failing, expected):
    checks = {
        "index": lambda library: library.collection_should_have_index("recordings", IndexKeys.from_robot("start_time")),
        "newest": lambda library: library.newest_document_should_be_newer_than("recordings", timedelta(hours=1)),
        "recordings": lambda library: library.latest_recordings_should_be_well_formed(),
        "primary": lambda library: library.replica_set_should_have_a_primary(),
    }
    with running_lab(tmp_path, [MongoComponent()], frozenset({fault})):
        library = MongoDBLibrary(environment="lab")
        try:
            library.connect_to_mongodb()
            failures = {}
            for name, check in checks.items():
                try:
                    check(library)
                except AssertionError as error:
                    failures[name] = str(error)
        finally:
            library.close_all_mongodb_connections()
    assert list(failures) == [failing], failures
    assert re.match(TARGET + expected, failures[failing]), failures[failing]
    assert "\n" not in failures[failing]
