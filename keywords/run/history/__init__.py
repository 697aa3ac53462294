"""The run history: records of runs and cases, their SQL schema and Alembic migrations, the store (SQLite or
PostgreSQL), recording a run, Prometheus metrics, the trend page and the flake check."""
