"""Robot variable file: what the suites expect of the selected environment (``${ENV}``).

These expectations are kept apart from ``environments.yaml`` on purpose: PZ-13807 compares the
configuration the Focus Server reads against them, so the test compares two sources.
"""

from __future__ import annotations

from keywords.environment_choice import selected_environment_name
from lab.state import LabState, state_dir_from_environment

JIRA_BASE_URL = "https://jira.prisma.local/browse"
EPIC = "PZ-13756"

#: PZ-13807: the MongoDB endpoint each environment's Focus Server must be configured with.
EXPECTED_MONGODB = {
    "new_production": {"host": "10.10.100.108", "port": 27017, "database": "prisma"},
    "staging": {"host": "mongo.staging.focus.internal", "port": 27017, "database": "prisma"},
    "development": {"host": "localhost", "port": 27017, "database": "prisma"},
}


def _lab_mongodb() -> dict:
    """The lab's endpoint is ephemeral: expect what the lab says it is serving."""
    state = LabState(state_dir_from_environment())
    port = state.read_env().get("LAB_MONGO_PORT") if state.env_file.exists() else None
    return {"host": "127.0.0.1", "port": int(port) if port else "lab not running", "database": "prisma"}


def get_variables(environment: str | None = None) -> dict:
    environment = environment or selected_environment_name()
    expected = _lab_mongodb() if environment == "lab" else EXPECTED_MONGODB.get(environment, {})
    return {
        "ENV": environment,
        "JIRA_BASE_URL": JIRA_BASE_URL,
        "EPIC": EPIC,
        "EXPECTED_MONGODB": expected,
    }
