"""The run history in a database: SQLite in the results folder by default, any SQLAlchemy URL otherwise
(``$FOCUS_HISTORY_URL``, e.g. ``postgresql+psycopg://user@host/focus``). Alembic brings an older history up to
the current schema before the first write; writers in parallel (pabot merges, two runners) lose nothing."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, delete, event, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from keywords.run.history.schema import case_results, measurements, runs

if TYPE_CHECKING:  # the trend page reads the history without importing Robot's result model (0.1 s)
    from keywords.run.history.records import RunRecord

URL_VARIABLE = "FOCUS_HISTORY_URL"
DEFAULT_FILE = "history.sqlite"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: The newest migration in ``history_migrations/versions`` (a test keeps the two in step): a history already there
#: is written to without loading Alembic, which would cost every run a third of a second.
HEAD_REVISION = "0002"
#: How long a writer waits for another one's transaction on SQLite before it gives up.
SQLITE_BUSY_TIMEOUT_S = 60


def history_url(results_folder: str | Path) -> str:
    """``$FOCUS_HISTORY_URL``, else SQLite ``history.sqlite`` in ``results_folder``."""
    return os.environ.get(URL_VARIABLE) or f"sqlite:///{(Path(results_folder) / DEFAULT_FILE).resolve()}"


def shown_url(url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


class HistoryStore:
    """Runs, their case results and measurements; :meth:`migrate` before the first use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._sqlite = make_url(url).get_backend_name() == "sqlite"
        options = {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S}} if self._sqlite else {"pool_pre_ping": True}
        self.engine: Engine = create_engine(url, **options)
        if self._sqlite:
            event.listen(self.engine, "connect", _sqlite_foreign_keys)

    def migrate(self) -> None:
        """Create the tables, or bring them up to the current schema; safe from several processes at once."""
        if self.revision() == HEAD_REVISION:
            return
        from alembic import command  # only when there is something to migrate (see HEAD_REVISION)
        from alembic.config import Config

        with self._migration_lock(), self.engine.begin() as connection:
            if not self._sqlite:
                # Held until this transaction ends: a second process migrates after the first, finding nothing to do.
                connection.execute(text("SELECT pg_advisory_xact_lock(1387561)"))
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def revision(self) -> str | None:
        """The schema revision the history is at; ``None`` for a new one."""
        try:
            with self.engine.connect() as connection:
                return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except SQLAlchemyError:
            return None

    def add(self, record: RunRecord) -> None:
        """Store ``record``, replacing an earlier record of the same run (a run diagnosed again)."""
        with self.engine.begin() as connection:
            for table in (measurements, case_results, runs):
                connection.execute(delete(table).where(table.c.run_id == record.run_id))
            connection.execute(
                insert(runs).values(
                    run_id=record.run_id,
                    environment=record.environment,
                    name=record.name,
                    started=record.started,
                    seconds=record.seconds,
                    revision=record.revision,
                    exit_code=record.exit_code,
                )
            )
            rows = [
                {
                    "run_id": record.run_id,
                    "jira_key": case.key,
                    "title": case.title,
                    "priority": case.priority,
                    "layer": case.layer,
                    "component": case.component,
                    "verdict": case.verdict,
                    "seconds": case.seconds,
                    "message": case.message,
                }
                for case in record.cases
            ]
            if rows:
                connection.execute(insert(case_results), rows)
            numbers = [
                {"run_id": record.run_id, "jira_key": case.key, "name": name, "statistic": statistic, "value": value}
                for case in record.cases
                for name, values in case.measurements.items()
                for statistic, value in values.items()
            ]
            if numbers:
                connection.execute(insert(measurements), numbers)

    def runs(self) -> list[dict]:
        """Every run, oldest first."""
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(select(runs).order_by(runs.c.started))]

    def case_results(self) -> list[dict]:
        """Every case result with its run's environment, start and revision, oldest run first."""
        query = (
            select(case_results, runs.c.environment, runs.c.started, runs.c.revision)
            .join(runs, runs.c.run_id == case_results.c.run_id)
            .order_by(runs.c.started, case_results.c.id)
        )
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def measurements(self) -> list[dict]:
        """Every measured number with its run's environment and start, oldest run first."""
        query = (
            select(measurements, runs.c.environment, runs.c.started)
            .join(runs, runs.c.run_id == measurements.c.run_id)
            .order_by(runs.c.started, measurements.c.id)
        )
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    @contextlib.contextmanager
    def _migration_lock(self) -> Iterator[None]:
        """SQLite: an exclusive lock on a file beside the database for the time of the migration."""
        database = make_url(self.url).database if self._sqlite else None
        if not database or database == ":memory:":
            yield
            return
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        with open(f"{database}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _sqlite_foreign_keys(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
