"""Replica-set and connection verifications over the answers a real three-member set gives (fakes: the lab's
SecantusDB is a single-member set that is always healthy)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from keywords.mongodb.library import MongoDBLibrary, _Connection
from keywords.mongodb.server_health import (
    ConnectionLimit,
    connections_problem,
    lag_problem,
    primary_problem,
    replica_set_essentials,
    server_status_essentials,
    unhealthy_members_problem,
)
from tests.helpers import failure_of

NOW = datetime(2026, 12, 2, 12, 0)  # pymongo's naive UTC


def member(name, state, health=1.0, behind_s=0.0, **extra):
    return {"name": name, "stateStr": state, "health": health, "optimeDate": NOW - timedelta(seconds=behind_s), **extra}


def status(*members):
    return {"set": "rs0", "members": list(members), "ok": 1.0}


HEALTHY = status(member("db-1:27017", "PRIMARY", self=True), member("db-2:27017", "SECONDARY", behind_s=2))
DEGRADED = status(
    member("db-1:27017", "PRIMARY"),
    member("db-2:27017", "SECONDARY", behind_s=42),
    member("db-3:27017", "(not reachable/healthy)", health=0.0, lastHeartbeatMessage="Connection refused"),
)
NO_PRIMARY = status(member("db-1:27017", "SECONDARY"), member("db-2:27017", "RECOVERING"))


def test_essentials_name_the_primary_and_each_secondary_lag():
    essentials = replica_set_essentials(HEALTHY)
    assert essentials.primary == "db-1:27017" and essentials.max_lag_s == 2.0
    assert [(m.name, m.state, m.lag_s, m.is_self) for m in essentials.members] == [
        ("db-1:27017", "PRIMARY", None, True),
        ("db-2:27017", "SECONDARY", 2.0, False),
    ]


def test_a_healthy_set_passes_every_verification():
    essentials = replica_set_essentials(HEALTHY)
    assert primary_problem(essentials) is None
    assert unhealthy_members_problem(essentials) is None
    assert lag_problem(essentials, 10) is None


def test_a_set_without_primary_names_each_member_state():
    essentials = replica_set_essentials(NO_PRIMARY)
    assert primary_problem(essentials) == (
        "replica set 'rs0' has no PRIMARY: db-1:27017 SECONDARY health 1; db-2:27017 RECOVERING health 1"
    )
    assert lag_problem(essentials, 10) == "replica set 'rs0' has no PRIMARY, so no replication lag can be measured"
    assert "1 of 2 member(s) not healthy: db-2:27017 RECOVERING health 1" in unhealthy_members_problem(essentials)


def test_an_unreachable_member_is_named_with_its_heartbeat_message():
    essentials = replica_set_essentials(DEGRADED)
    assert unhealthy_members_problem(essentials) == (
        "replica set 'rs0': 1 of 3 member(s) not healthy: db-3:27017 (not reachable/healthy) health 0 "
        "(Connection refused)"
    )


def test_a_lagging_secondary_is_named_with_its_lag():
    essentials = replica_set_essentials(DEGRADED)
    assert lag_problem(essentials, 10) == (
        "replica set 'rs0': replication lag at or above 10 s: db-2:27017 42 s behind (primary db-1:27017)"
    )
    assert lag_problem(essentials, 60) is None  # the unreachable member reports no optime lag of its own here


def test_a_single_member_set_has_no_lag():
    essentials = replica_set_essentials(status(member("db-1:27017", "PRIMARY")))
    assert essentials.max_lag_s is None and lag_problem(essentials, 1) is None


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("80%", ConnectionLimit(80, True)),
        ("500", ConnectionLimit(500, False)),
        (" 12.5 % ", ConnectionLimit(12.5, True)),
    ],
)
def test_connection_limits_are_a_share_or_a_number(text, limit):
    assert ConnectionLimit.from_robot(text) == limit


@pytest.mark.parametrize("text", ["0", "101%", "many", "-5", ""])
def test_unusable_connection_limits_are_a_misuse(text):
    with pytest.raises(ValueError, match="connection limit must be"):
        ConnectionLimit.from_robot(text)


def connections(current, available):
    return server_status_essentials({"connections": {"current": current, "available": available, "totalCreated": 9}})


def test_connections_against_a_share_of_those_possible():
    assert connections_problem(connections(79, 21), ConnectionLimit(80, True)) is None
    assert connections_problem(connections(80, 20), ConnectionLimit(80, True)) == (
        "80 of 100 possible connection(s) in use (80 %, 20 available), at or above 80 %"
    )
    # A server with nothing available is full, whatever the share.
    assert "(100 %, 0 available)" in connections_problem(connections(3, 0), ConnectionLimit(99, True))


def test_connections_against_a_number_and_a_server_that_reports_none():
    assert connections_problem(connections(3, 0), ConnectionLimit(500, False)) is None
    assert connections_problem(connections(500, 0), ConnectionLimit(500, False)) == (
        "500 connection(s) in use, at or above the limit of 500 connection(s) (0 available)"
    )
    assert "reports no connections.current" in connections_problem(
        server_status_essentials({}), ConnectionLimit(80, True)
    )


class FakeAdmin:
    def __init__(self, answers: dict) -> None:
        self.answers = answers

    def command(self, name):
        return self.answers[name]


class FakeClient:
    def __init__(self, answers: dict) -> None:
        self.admin = FakeAdmin(answers)

    def close(self) -> None:
        pass


def library_answering(**answers) -> MongoDBLibrary:
    library = MongoDBLibrary(environment="lab")
    settings = {"host": "db-1", "port": 27017, "database": "prisma"}
    library._connections.register(_Connection(FakeClient(answers), settings), "fake")
    return library


def test_the_keywords_fail_with_the_target_and_the_cause_on_one_line():
    library = library_answering(replSetGetStatus=DEGRADED, serverStatus={"connections": {"current": 9, "available": 1}})
    assert library.replica_set_should_have_a_primary() == "db-1:27017"
    message = failure_of(library.replica_set_members_should_be_healthy)
    assert message.startswith("MongoDB db-1:27017: replica set 'rs0': 1 of 3 member(s) not healthy: db-3:27017")
    message = failure_of(lambda: library.replication_lag_should_be_below(timedelta(seconds=10)))
    assert message == (
        "MongoDB db-1:27017: replica set 'rs0': replication lag at or above 10 s: db-2:27017 42 s behind "
        "(primary db-1:27017)"
    )
    assert library.replication_lag_should_be_below(timedelta(minutes=1)) == 42.0
    message = failure_of(lambda: library.connections_should_be_below(ConnectionLimit(80, True)))
    assert message == (
        "MongoDB db-1:27017: 9 of 10 possible connection(s) in use (90 %, 1 available), at or above 80 %"
    )
    assert "\n" not in message


def test_a_zero_lag_bound_is_a_misuse():
    library = library_answering(replSetGetStatus=HEALTHY)
    assert failure_of(lambda: library.replication_lag_should_be_below(timedelta(0)), ValueError) == (
        "max_lag must be above 0, got 0:00:00"
    )
