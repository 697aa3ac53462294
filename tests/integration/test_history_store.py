"""The run history on SQLite and on a real PostgreSQL: migrations keep an old history, a re-diagnosed run replaces
itself, and writers in parallel lose nothing."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from keywords.run.history.store import HEAD_REVISION, MIGRATIONS, HistoryStore
from tests.helpers import postgresql_server
from tests.helpers import sample_run_record as record

WRITERS, RUNS_EACH = 4, 15


def write_runs(url: str, writer: int) -> None:
    store = HistoryStore(url)
    store.migrate()  # every writer migrates, as every run does: concurrent migrations must not collide
    for number in range(RUNS_EACH):
        store.add(record(writer * 1000 + number, environment=f"writer-{writer}"))


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'history.sqlite'}"
    else:
        with postgresql_server(tmp_path / "pg") as server_url:
            yield server_url


def test_a_run_is_stored_with_its_cases_and_measurements_and_replaced_when_diagnosed_again(url):
    store = HistoryStore(url)
    store.migrate()
    store.add(record(1))
    store.add(record(1, verdict="FAIL"))  # the same run, diagnosed again (e.g. its merged output)
    runs = store.runs()
    assert [(run["run_id"], run["exit_code"]) for run in runs] == [("run-lab-1", 1)]
    assert [(case["jira_key"], case["verdict"], case["component"]) for case in store.case_results()] == [
        ("PZ-13808", "FAIL", "mongodb")
    ]
    medians = [number["value"] for number in store.measurements() if number["statistic"] == "median"]
    assert medians == [1.2]


def test_parallel_writers_lose_nothing(url):
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=write_runs, args=(url, writer)) for writer in range(WRITERS)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=120)
    assert [process.exitcode for process in writers] == [0] * WRITERS
    store = HistoryStore(url)
    assert len(store.runs()) == WRITERS * RUNS_EACH
    assert len(store.case_results()) == WRITERS * RUNS_EACH
    assert len(store.measurements()) == WRITERS * RUNS_EACH * 4


def test_a_history_written_by_the_first_schema_keeps_its_runs_after_the_upgrade(url):
    engine = create_engine(url)
    with engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(
            text("INSERT INTO runs VALUES ('old-run', 'lab', 'Focus Server Infrastructure', :started, 2.0, 'old', 1)"),
            {"started": datetime(2026, 1, 1, tzinfo=UTC)},
        )
        connection.execute(
            text(
                "INSERT INTO case_results (run_id, jira_key, title, priority, layer, verdict, seconds, message) "
                "VALUES ('old-run', 'PZ-13806', 'Old', 'critical', 'foundation', 'FAIL', 5.0, 'refused')"
            )
        )
    engine.dispose()
    store = HistoryStore(url)
    store.migrate()
    store.add(record(2))
    assert [run["run_id"] for run in store.runs()] == ["old-run", "run-lab-2"]
    old = next(case for case in store.case_results() if case["run_id"] == "old-run")
    assert (old["jira_key"], old["verdict"], old["component"]) == ("PZ-13806", "FAIL", "")
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002"


def test_the_head_revision_constant_is_the_newest_migration():
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION
