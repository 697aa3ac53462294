"""Realistic documents for the lab's ``prisma`` database (recordings of a data-acquisition service)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

COLLECTIONS = ("recordings", "tasks", "metadata", "node4")
_EPOCH = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _recording(index: int) -> dict:
    start = _EPOCH + timedelta(hours=6 * index)
    return {
        "uuid": str(uuid.UUID(int=0x5A17_0000 + index)),
        "start_time": start,
        "end_time": start + timedelta(minutes=45 + index),
        "node": "node4",
        "channels": {"first": 0, "last": 2999},
        "sample_rate_hz": 1000,
        "status": "complete",
    }


def seed_documents(collection: str) -> list[dict]:
    """Documents for ``collection``; ``tasks`` stays empty, as it is between jobs."""
    documents = {
        "recordings": [_recording(index) for index in range(3)],
        "metadata": [{"key": "schema_version", "value": 7}, {"key": "site", "value": "lab"}],
        "node4": [{"node": "node4", "fiber_length_m": 24_000, "channels": 3000}],
    }
    return documents.get(collection, [])


def bad_recording() -> dict:
    """A recording whose clock went backwards: start_time after end_time."""
    recording = _recording(9)
    recording["start_time"], recording["end_time"] = recording["end_time"], recording["start_time"]
    return recording
