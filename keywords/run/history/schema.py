"""The history's tables (SQLAlchemy Core). Alembic migrations in ``keywords/run/history/migrations`` create and
change them; this module is the schema's current state, which the code reads and writes."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, ForeignKey, Integer, MetaData, String, Table

metadata = MetaData()

runs = Table(
    "runs",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("environment", String(200), nullable=False, index=True),
    Column("name", String(500), nullable=False),
    Column("started", DateTime(timezone=True), nullable=False, index=True),
    Column("seconds", Float, nullable=False),
    Column("revision", String(200), nullable=False),
    Column("exit_code", Integer, nullable=False),
)

case_results = Table(
    "case_results",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False, index=True),
    Column("jira_key", String(50), nullable=False, index=True),
    Column("title", String(500), nullable=False),
    Column("priority", String(50), nullable=False),
    Column("layer", String(100), nullable=False),
    Column("component", String(100), nullable=False),
    Column("verdict", String(20), nullable=False),
    Column("seconds", Float, nullable=False),
    Column("message", String(500), nullable=False),
)

measurements = Table(
    "measurements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False, index=True),
    Column("jira_key", String(50), nullable=False),
    Column("name", String(100), nullable=False),
    Column("statistic", String(50), nullable=False),
    Column("value", Float, nullable=False),
)
