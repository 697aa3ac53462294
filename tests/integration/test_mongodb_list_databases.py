"""`List Databases` against the lab's SecantusDB: listDatabases for a privileged user, listCollections otherwise."""

from __future__ import annotations

import pytest
from pymongo import MongoClient
from robot.api.types import Secret

from keywords import mongodb_library
from keywords.environment_choice import settings_of
from keywords.mongodb_library import MongoDBLibrary
from lab.mongo import MongoComponent
from tests.helpers import running_lab


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with running_lab(tmp_path_factory.mktemp("mongo-list-databases"), [MongoComponent()]) as published:
        yield published


@pytest.fixture
def library(lab):
    library = MongoDBLibrary(environment="lab")
    yield library
    library.close_all_mongodb_connections()


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
        authSource="admin",
        directConnection=True,
        serverSelectionTimeoutMS=5000,
    )


def test_application_user_lists_databases_through_list_databases_without_fallback(lab, library, warnings):
    library.connect_to_mongodb()

    names = library.list_databases()

    assert "prisma" in names
    assert warnings == []
    with admin_client(lab) as admin:
        # The same answer root gets from listDatabases: not the one-database answer of the fallback.
        assert set(names) == set(admin.list_database_names())


def test_user_without_the_privilege_falls_back_to_list_collections_with_a_warning(lab, library, warnings):
    with admin_client(lab) as admin:
        admin["prisma"].command("createUser", "reader", pwd="reader-pw", roles=[{"role": "read", "db": "prisma"}])
    settings = {**settings_of("mongodb", "lab"), "username": "reader", "password": Secret("reader-pw")}
    library.connect_to_mongodb(alias="reader", settings=settings)

    assert library.list_databases() == ["prisma"]
    assert len(warnings) == 1
    assert "MongoDB user 'reader' may not run listDatabases" in warnings[0]
    assert "checked database 'prisma' through listCollections instead" in warnings[0]
