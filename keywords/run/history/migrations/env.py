"""Alembic's environment for the run history: migrations run on the connection the caller passes in."""

from alembic import context

from keywords.run.history.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
