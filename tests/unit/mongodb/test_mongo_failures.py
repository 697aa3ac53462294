"""How a pymongo failure becomes one line: the cause a selection timeout hides is found in the client's topology."""

from __future__ import annotations

from types import SimpleNamespace

from pymongo.errors import AutoReconnect, NetworkTimeout, OperationFailure, ServerSelectionTimeoutError

from keywords.mongodb.failures import is_unanswered
from keywords.mongodb.library import _Connection

SETTINGS = {"host": "db.example", "port": 27017, "username": "prisma", "auth_source": "prisma", "database": "prisma"}


def client_whose_server_saw(error: Exception | None) -> SimpleNamespace:
    """What pymongo's client shows after its background pool met ``error`` (a fake: the race is not reproducible)."""
    server = SimpleNamespace(error=error)
    topology = SimpleNamespace(server_descriptions=lambda: {("db.example", 27017): server})
    return SimpleNamespace(topology_description=topology)


def test_a_rejected_login_behind_a_selection_timeout_is_an_authentication_failure():
    rejected = OperationFailure("authentication failed", code=18)
    connection = _Connection(client_whose_server_saw(rejected), SETTINGS)
    message = str(connection.explain(ServerSelectionTimeoutError("authentication failed, full error: ..."), "ping"))
    assert message == (
        "MongoDB authentication failed at db.example:27017: user 'prisma' with authSource 'prisma' was rejected "
        "(code 18: wrong user, password or authSource)"
    )


def test_a_selection_timeout_with_no_server_error_stays_a_network_failure():
    connection = _Connection(client_whose_server_saw(None), SETTINGS)
    message = str(connection.explain(ServerSelectionTimeoutError("db.example:27017: timed out"), "ping"))
    assert (
        message
        == "MongoDB network failure at db.example:27017 during ping: no answer in time (db.example:27017: timed out)"
    )


def test_a_selection_timeout_before_the_monitor_timed_out_is_still_no_answer():
    # Under load the selection timeout can expire before the monitor's own first attempt has: no "timed out" yet.
    assert is_unanswered(ServerSelectionTimeoutError("No servers found yet, Timeout: 5.0s, Topology Description: <>"))
    assert is_unanswered(NetworkTimeout("db.example:27017: timed out"))


def test_a_refused_or_closed_connection_is_an_answer():
    assert not is_unanswered(ServerSelectionTimeoutError("db.example:27017: [Errno 111] Connection refused"))
    assert not is_unanswered(ServerSelectionTimeoutError("db.example:27017: connection closed"))
    assert not is_unanswered(AutoReconnect("db.example:27017: timed out"))
