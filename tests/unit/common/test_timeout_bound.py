"""PZ-13807 connects with the Focus Server's configuration but never waits longer than the environment allows."""

from __future__ import annotations

import pytest

from keywords.config.library import ConfigLibrary

ENVIRONMENTS = """
qa:
  mongodb: {host: db.qa, port: 27017, database: prisma, connect_timeout_ms: 5000,
            server_selection_timeout_ms: 5000, socket_timeout_ms: 20000}
broken:
  mongodb: {host: db.qa, port: 27017, database: prisma, password: "${UNSET_FOR_THIS_TEST}", username: u}
"""
APPLICATION = {
    "host": "db.qa",
    "port": 27017,
    "connect_timeout_ms": 10000,
    "server_selection_timeout_ms": 10000,
    "socket_timeout_ms": 10000,
}


@pytest.fixture(autouse=True)
def environments(tmp_path, monkeypatch):
    path = tmp_path / "environments.yaml"
    path.write_text(ENVIRONMENTS, encoding="utf-8")
    monkeypatch.setenv("FOCUS_ENVIRONMENTS_FILE", str(path))
    monkeypatch.delenv("UNSET_FOR_THIS_TEST", raising=False)


def test_longer_application_timeouts_are_cut_to_the_environments_and_shorter_ones_stay():
    bounded = ConfigLibrary().bound_by_environment_timeouts(APPLICATION, "qa")
    assert bounded == {**APPLICATION, "connect_timeout_ms": 5000, "server_selection_timeout_ms": 5000}
    assert APPLICATION["connect_timeout_ms"] == 10000  # the configuration read is not changed


def test_an_unusable_environment_section_leaves_the_application_timeouts():
    assert ConfigLibrary().bound_by_environment_timeouts(APPLICATION, "broken") == APPLICATION
