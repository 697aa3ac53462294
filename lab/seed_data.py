"""Realistic documents for the lab's ``prisma`` database (recordings of a data-acquisition service).

The recordings are recent, relative to the lab's start: the newest began 30 minutes before it and ended 10 minutes
before it, the others 6 hours apart before that (``stale_by`` moves them all back, for ``mongo-stale-recordings``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

COLLECTIONS = ("recordings", "tasks", "metadata", "node4")
#: The indexes of the lab's collections besides ``_id``, as ``{collection: [(name, keys, options)]}``: what
#: `Collection Should Have Index` finds (``mongo-missing-index`` leaves out ``recordings.start_time``).
INDEXES = {
    "recordings": [
        ("start_time_-1", [("start_time", -1)], {}),
        ("uuid_1", [("uuid", 1)], {"unique": True}),
    ],
}
#: The newest recording's start, before the lab's start.
NEWEST_RECORDING_AGE = timedelta(minutes=30)


def _recording(index: int, now: datetime) -> dict:
    start = now - NEWEST_RECORDING_AGE - timedelta(hours=6 * index)
    return {
        "uuid": str(uuid.UUID(int=0x5A17_0000 + index)),
        "start_time": start,
        "end_time": start + timedelta(minutes=20),
        "node": "node4",
        "channels": {"first": 0, "last": 2999},
        "sample_rate_hz": 1000,
        "status": "complete",
    }


def seed_documents(collection: str, now: datetime | None = None, stale_by: timedelta = timedelta(0)) -> list[dict]:
    """Documents for ``collection`` as of ``now`` (default: this moment) less ``stale_by``; ``tasks`` stays empty,
    as it is between jobs."""
    moment = (now or datetime.now(UTC)) - stale_by
    documents = {
        "recordings": [_recording(index, moment) for index in range(3)],
        "metadata": [{"key": "schema_version", "value": 7}, {"key": "site", "value": "lab"}],
        "node4": [{"node": "node4", "fiber_length_m": 24_000, "channels": 3000}],
    }
    return documents.get(collection, [])


def bad_recording(now: datetime | None = None) -> dict:
    """A recording whose clock went backwards: start_time after end_time."""
    recording = _recording(9, now or datetime.now(UTC))
    recording["start_time"], recording["end_time"] = recording["end_time"], recording["start_time"]
    return recording
