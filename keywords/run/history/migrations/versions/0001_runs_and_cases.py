"""Runs and one result per Jira case.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("environment", sa.String(200), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.Column("revision", sa.String(200), nullable=False),
        sa.Column("exit_code", sa.Integer, nullable=False),
    )
    op.create_index("ix_runs_environment", "runs", ["environment"])
    op.create_index("ix_runs_started", "runs", ["started"])
    op.create_table(
        "case_results",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
        sa.Column("jira_key", sa.String(50), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("priority", sa.String(50), nullable=False),
        sa.Column("layer", sa.String(100), nullable=False),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
    )
    op.create_index("ix_case_results_run_id", "case_results", ["run_id"])
    op.create_index("ix_case_results_jira_key", "case_results", ["jira_key"])


def downgrade() -> None:
    op.drop_table("case_results")
    op.drop_table("runs")
