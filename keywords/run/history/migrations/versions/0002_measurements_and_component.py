"""The numbers each case measured, and each case's component.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_results") as table:
        table.add_column(sa.Column("component", sa.String(100), nullable=False, server_default=""))
    op.create_table(
        "measurements",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
        sa.Column("jira_key", sa.String(50), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("statistic", sa.String(50), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
    )
    op.create_index("ix_measurements_run_id", "measurements", ["run_id"])


def downgrade() -> None:
    op.drop_table("measurements")
    with op.batch_alter_table("case_results") as table:
        table.drop_column("component")
