"""MongoDBLibrary against the lab's SecantusDB server: real wire protocol, SCRAM, roles."""

from __future__ import annotations

import re
import socket
import time

import pytest
from pymongo import MongoClient
from pymongo.errors import InvalidOperation, OperationFailure
from robot.api.types import Secret

from keywords.common.outcomes import SettingsUnusable
from keywords.config.environment_choice import settings_of
from keywords.mongodb import library as mongodb_library
from keywords.mongodb.failures import explain
from keywords.mongodb.library import MongoDBLibrary
from lab.mongo import MongoComponent
from lab.ports import ClosedPort
from tests.helpers import failure_of, running_lab

#: Generous: 3x the lab's 5 s MongoDB timeouts. Timing is measured in bench/, not here.
HANG_BOUND_S = 15.0


@pytest.fixture(scope="module")
def healthy_lab(tmp_path_factory):
    with running_lab(tmp_path_factory.mktemp("mongo"), [MongoComponent()]) as published:
        yield published


@pytest.fixture
def library(healthy_lab):
    library = MongoDBLibrary(environment="lab")
    yield library
    library.close_all_mongodb_connections()


def with_changes(**changes) -> dict:
    return {**settings_of("mongodb", "lab"), **changes}


def test_healthy_server_connects_pings_and_reports_a_version(library):
    started = time.monotonic()
    connection = library.connect_to_mongodb()
    waited = time.monotonic() - started
    assert (connection.index, connection.alias) == (1, "default")
    assert connection.target.startswith("127.0.0.1:")
    assert 0 < connection.seconds <= waited  # seconds, of this very connect (milliseconds would exceed it)
    assert library.ping_mongodb() == 1.0
    assert library.get_mongodb_server_version()


def test_connections_are_kept_by_alias_and_switched(library):
    library.connect_to_mongodb(alias="direct")
    library.connect_to_mongodb(alias="other", settings=with_changes(database="gone"))
    assert "not listed" in failure_of(library.database_should_be_listed)
    library.switch_mongodb_connection("Direct")  # aliases are case-insensitive, as in every Robot library
    assert "recordings" in library.list_collections()
    message = failure_of(lambda: library.switch_mongodb_connection("nope"), RuntimeError)
    assert message == (
        "MongoDB: no open connection 'nope'; open: ['direct', 'other']; open one with `Connect To MongoDB` first"
    )


def test_reconnecting_an_alias_closes_the_connection_it_replaces(library):
    library.connect_to_mongodb(alias="direct")
    replaced = library._connections.get("direct")
    library.connect_to_mongodb(alias="direct")
    assert replaced.closed
    with pytest.raises(InvalidOperation):
        replaced.client.admin.command("ping")
    assert library.ping_mongodb("direct") == 1.0


def test_a_server_without_authentication_is_reached_without_credentials(library):
    connection = library.connect_to_mongodb(settings=with_changes(username=None, password=None))
    assert connection.target.startswith("127.0.0.1:")
    # The lab requires authentication: an unauthenticated client may ping but not read, and is told so.
    message = failure_of(library.list_collections)
    assert message.startswith("MongoDB authorization failed at 127.0.0.1:")


def test_one_credential_without_the_other_is_not_checked(library):
    message = failure_of(lambda: library.connect_to_mongodb(settings=with_changes(password=None)), SettingsUnusable)
    assert message == (
        "MongoDB not checked, the environment's settings are unusable: mongodb.username is set but "
        "mongodb.password is not: give both, or neither (a server without auth)"
    )


def test_required_collections_and_recordings_pass_on_seeded_data(library):
    library.connect_to_mongodb()
    library.collections_should_exist()
    assert library.find_one_document("recordings")["uuid"]
    assert library.latest_recordings_should_be_well_formed() == 3


def test_missing_collection_is_named(library):
    library.connect_to_mongodb()
    with pytest.raises(AssertionError, match=r"required collection\(s\) \['nodes9'\] missing"):
        library.collections_should_exist("recordings", "nodes9")


def test_wrong_password_is_an_authentication_failure_naming_user_and_auth_source(library):
    with pytest.raises(AssertionError) as error:
        library.connect_to_mongodb(settings=with_changes(password=Secret("wrong")))
    message = str(error.value)
    assert message.startswith("MongoDB authentication failed at 127.0.0.1:")
    assert "user 'prisma' with authSource 'prisma'" in message
    assert "code 18" in message


def test_closed_port_is_a_network_failure_found_by_the_tcp_probe_before_any_client(library, monkeypatch):
    clients = []
    monkeypatch.setattr(MongoDBLibrary, "_client_for", staticmethod(lambda settings: clients.append(settings)))
    started = time.monotonic()
    with (
        ClosedPort() as closed,
        pytest.raises(
            AssertionError,
            match=f"^MongoDB network failure at 127.0.0.1:{closed.port} during connect: connection refused$",
        ),
    ):
        library.connect_to_mongodb(settings=with_changes(port=closed.port))
    # No client was created, so no server selection timeout (5 s in the lab) was waited for.
    assert clients == []
    assert time.monotonic() - started < HANG_BOUND_S  # a hang bound, not a measurement


def test_unresolvable_host_is_a_dns_failure(library, monkeypatch):
    # The machine's resolver is not under test (and may be absent): the name fails the way a resolver fails it.
    resolve = socket.getaddrinfo

    def no_such_name(host, *args, **kwargs):
        if host == "mongo.example":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    message = failure_of(lambda: library.connect_to_mongodb(settings=with_changes(host="mongo.example", port=27017)))
    assert message == (
        "MongoDB network failure at mongo.example:27017 during connect: DNS lookup failed (Name or service not known)"
    )


def test_write_by_the_read_only_user_is_explained_as_an_authorization_failure(healthy_lab):
    settings = settings_of("mongodb", "lab")
    client = MongoClient(
        host="127.0.0.1",
        port=settings["port"],
        username="prisma",
        password=settings["password"].value,
        authSource="prisma",
        directConnection=True,
    )
    with client, pytest.raises(OperationFailure) as failure:
        client["prisma"]["tasks"].insert_one({"probe": 1})
    message = explain(failure.value, f"127.0.0.1:{settings['port']}", "prisma", "prisma", "insert into tasks")
    assert message.startswith("MongoDB authorization failed at 127.0.0.1:")
    assert "user 'prisma' is authenticated but may not insert into tasks (code 13" in message


def test_latency_is_measured_on_the_established_connection(library):
    library.connect_to_mongodb()
    stats = library.measure_ping_latency(samples=7)
    assert len(stats["samples_ms"]) == 7
    assert stats["min_ms"] <= stats["median_ms"] <= stats["p95_ms"] <= stats["max_ms"]
    # The keyword passes measured stats under a limit; the 100 ms default is a timing threshold, checked with
    # given stats below, and the real latency is measured in bench/ (not here).
    library.latency_should_be_below_threshold(stats, threshold_ms=HANG_BOUND_S * 1000)


def test_latency_threshold_failure_shows_median_and_threshold(library):
    library.connect_to_mongodb()
    stats = {
        "operation": "ping",
        "median_ms": 150.0,
        "p95_ms": 160.0,
        "max_ms": 161.0,
        "band": "warning",
        "samples_ms": [150.0] * 5,
    }
    with pytest.raises(AssertionError, match=r"ping median 150.0 ms is at or above the 100 ms threshold \(warning"):
        library.latency_should_be_below_threshold(stats)


def test_keywords_without_a_connection_are_a_misuse_saying_so(library):
    message = failure_of(library.ping_mongodb, RuntimeError)
    assert message == "MongoDB: no open connection; open one with `Connect To MongoDB` first"


def test_close_all_closes_every_client_and_is_safe_after_a_failed_connect(library):
    library.connect_to_mongodb(alias="direct")
    client = library._connections.get("direct").client
    with ClosedPort() as closed, pytest.raises(AssertionError):
        library.connect_to_mongodb(alias="broken", settings=with_changes(port=closed.port))
    library.close_all_mongodb_connections()
    library.close_all_mongodb_connections()
    with pytest.raises(InvalidOperation):
        client.admin.command("ping")
    assert failure_of(library.ping_mongodb, RuntimeError).startswith("MongoDB: no open connection")


def test_zero_samples_or_threshold_are_refused_not_taken_as_the_default(library):
    library.connect_to_mongodb()
    assert (
        failure_of(lambda: library.measure_ping_latency(samples=0), ValueError) == "samples must be at least 1, got 0"
    )
    stats = library.measure_ping_latency(samples=3)
    assert len(stats.samples_ms) == 3 and stats.median_ms == stats["median_ms"]
    message = failure_of(lambda: library.latency_should_be_below_threshold(stats, threshold_ms=0), ValueError)
    assert message == "threshold_ms must be above 0, got 0"


def test_recordings_checked_for_fewer_fields_still_check_what_is_there(library):
    library.connect_to_mongodb()
    assert library.latest_recordings_should_be_well_formed(fields=("uuid",)) == 3


@pytest.mark.parametrize(
    ("fault", "keyword", "expected"),
    [
        ("mongo-slow", "latency", "ping median 1"),
        ("mongo-bad-recording", "recordings", "starts after it ends"),
        ("mongo-missing-collection", "collections", "['node4'] missing"),
        ("mongo-wrong-password", "connect", "MongoDB authentication failed"),
    ],
)
def test_lab_faults_break_exactly_the_checked_property(tmp_path, fault, keyword, expected):
    checks = {
        "latency": lambda library: library.latency_should_be_below_threshold(library.measure_ping_latency()),
        "recordings": lambda library: library.latest_recordings_should_be_well_formed(),
        "collections": lambda library: library.collections_should_exist(),
    }
    with running_lab(tmp_path, [MongoComponent()], frozenset({fault})):
        library = MongoDBLibrary(environment="lab")
        try:
            if keyword == "connect":
                assert expected in failure_of(library.connect_to_mongodb)
                return
            library.connect_to_mongodb()
            failures = {}
            for name, check in checks.items():
                try:
                    check(library)
                except AssertionError as error:
                    failures[name] = str(error)
            assert list(failures) == [keyword], failures  # the other properties stayed healthy
            assert expected in failures[keyword]
        finally:
            library.close_all_mongodb_connections()


def test_database_that_is_not_there_is_named_with_the_ones_found(library):
    library.connect_to_mongodb(settings=with_changes(database="gone"))
    message = failure_of(library.database_should_be_listed)
    assert re.fullmatch(r"MongoDB at 127\.0\.0\.1:\d+: database 'gone' not listed; found \[.*'prisma'.*\]", message)


def test_database_the_user_has_no_role_on_is_an_authorization_failure(library):
    library.connect_to_mongodb(settings=with_changes(database="gone"))
    with pytest.raises(AssertionError, match="user 'prisma' is authenticated but may not list collections of 'gone'"):
        library.list_collections()


@pytest.fixture
def warnings(monkeypatch) -> list[str]:
    """Every message the library logs with ``logger.warn``."""
    messages: list[str] = []
    monkeypatch.setattr(mongodb_library.logger, "warn", lambda message, *args, **kwargs: messages.append(message))
    return messages


def admin_client(lab: dict) -> MongoClient:
    return MongoClient(
        host="127.0.0.1",
        port=int(lab["LAB_MONGO_PORT"]),
        username="admin",
        password=lab["LAB_MONGO_ADMIN_PASSWORD"],
        directConnection=True,
        serverSelectionTimeoutMS=5000,
    )


def test_application_user_lists_databases_through_list_databases_without_fallback(healthy_lab, library, warnings):
    library.connect_to_mongodb()
    names = library.list_databases()
    assert "prisma" in names
    assert warnings == []
    with admin_client(healthy_lab) as admin:
        # The same answer root gets from listDatabases: not the one-database answer of the fallback.
        assert set(names) == set(admin.list_database_names())


def test_user_without_the_privilege_falls_back_to_list_collections_with_a_warning(healthy_lab, library, warnings):
    with admin_client(healthy_lab) as admin:
        admin["prisma"].command("createUser", "reader", pwd="reader-pw", roles=[{"role": "read", "db": "prisma"}])
    library.connect_to_mongodb(settings=with_changes(username="reader", password=Secret("reader-pw")))
    assert library.list_databases() == ["prisma"]
    assert warnings == [
        f"MongoDB user 'reader' may not run listDatabases at 127.0.0.1:{healthy_lab['LAB_MONGO_PORT']}; "
        "checked database 'prisma' through listCollections instead"
    ]


def test_fallback_listing_fails_for_a_database_without_collections(healthy_lab, library):
    with admin_client(healthy_lab) as admin:
        admin["emptydb"].command("createUser", "reader", pwd="reader-pw", roles=[{"role": "read", "db": "emptydb"}])
    reader = {"username": "reader", "password": Secret("reader-pw"), "auth_source": "emptydb", "database": "emptydb"}
    library.connect_to_mongodb(settings=with_changes(**reader))
    with pytest.raises(AssertionError, match="database 'emptydb' has no collections"):
        library.database_should_be_listed()


def test_required_collections_cannot_be_empty(library):
    library.connect_to_mongodb(settings=with_changes(required_collections=[]))
    with pytest.raises(SettingsUnusable, match="no required collections given or configured"):
        library.collections_should_exist()


def evidence_logged(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.getMessage().startswith("evidence ")]


def test_a_slow_server_brings_its_status_and_the_operations_in_progress(tmp_path, caplog):
    with running_lab(tmp_path, [MongoComponent()], frozenset({"mongo-slow"})):
        library = MongoDBLibrary(environment="lab")
        try:
            library.connect_to_mongodb()
            stats = library.measure_ping_latency()
            with caplog.at_level("INFO"):
                failure_of(lambda: library.latency_should_be_below_threshold(stats))
        finally:
            library.close_all_mongodb_connections()
    [evidence] = evidence_logged(caplog)
    lines = evidence.splitlines()
    assert re.fullmatch(r"evidence MongoDB server 127\.0\.0\.1:\d+", lines[0])
    assert re.fullmatch(r"connections: current \d+, available \d+, totalCreated \d+", lines[2])
    assert re.fullmatch(r"operations since start: insert 0, query \d+, .*command \d+", lines[3])
    assert re.fullmatch(r"operations in progress: [1-9]\d*(, longest first)?", lines[4])
    # The lab's other client is always in a ping; the suite's own pool may be logging in a connection beside it.
    load = r"  ping -: running \d+ ms, client 127\.0\.0\.1:\d+, user admin, app focus-lab-load, command ping"
    assert any(re.fullmatch(load, line) for line in lines[5:]), lines


def test_a_user_without_monitoring_rights_is_told_so_in_the_evidence(healthy_lab, library):
    admin = MongoClient(
        host="127.0.0.1",
        port=int(healthy_lab["LAB_MONGO_PORT"]),
        username="admin",
        password=healthy_lab["LAB_MONGO_ADMIN_PASSWORD"],
        authSource="admin",
    )
    with admin:
        admin.prisma.command(
            "createUser", "plain-reader", pwd="reader-password-1", roles=[{"role": "read", "db": "prisma"}]
        )
        try:
            library.connect_to_mongodb(settings=with_changes(username="plain-reader", password="reader-password-1"))
            assert library.log_mongodb_server_evidence() == [
                "serverStatus: not permitted for user 'plain-reader' (code 13); a monitoring role shows it",
                "currentOp: not permitted for user 'plain-reader' (code 13); a monitoring role shows it",
            ]
        finally:
            admin.prisma.command("dropUser", "plain-reader")


def test_a_missing_collection_brings_the_database_stats(tmp_path, caplog):
    with running_lab(tmp_path, [MongoComponent()], frozenset({"mongo-missing-collection"})):
        library = MongoDBLibrary(environment="lab")
        try:
            library.connect_to_mongodb()
            with caplog.at_level("INFO"):
                failure_of(library.collections_should_exist)
        finally:
            library.close_all_mongodb_connections()
    [evidence] = evidence_logged(caplog)
    assert evidence.splitlines()[1:] == [
        "database prisma: 3 collection(s), 5 document(s), data 708 B, storage 708 B, 5 index(es) of 263 B",
        "collections present: metadata, recordings, tasks",
    ]


def test_connect_takes_the_alias_then_the_environment_as_every_library_does(library):
    opened = library.connect_to_mongodb("explicit", "lab")
    assert opened.alias == "explicit" and opened.target.startswith("127.0.0.1:")
    message = failure_of(lambda: library.connect_to_mongodb("elsewhere", "nowhere"), SettingsUnusable)
    assert message.startswith("MongoDB not checked, the environment's settings are unusable: environment ")
    assert "'nowhere' not found" in message
