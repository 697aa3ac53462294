"""The essentials of ``replSetGetStatus`` and ``serverStatus``, and what the replica-set and connection verifications
find wrong in them: pure functions over the server's answers (the library sends the commands)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from robot.utils import DotDict

#: Member states of a working replica set; any other (RECOVERING, STARTUP2, DOWN, ROLLBACK, ...) is not healthy.
HEALTHY_STATES = ("PRIMARY", "SECONDARY", "ARBITER")
#: The server's answer to ``replSetGetStatus`` when it runs standalone (code 76, ``NoReplicationEnabled``).
NO_REPLICATION_ENABLED = 76
_LIMIT = re.compile(r"^\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<percent>%?)\s*$")


def replica_set_essentials(status: Mapping[str, Any]) -> DotDict:
    """``set``, ``primary`` (its name or ``None``), ``members`` (``name``, ``state``, ``health``, ``optime_date``,
    ``is_self``, ``lag_s``: seconds behind the primary, ``None`` for the primary, an arbiter or without a primary)
    and ``max_lag_s`` (``None`` when no member has a lag)."""
    members = [_member(member) for member in status.get("members") or []]
    primaries = [member for member in members if member.state == "PRIMARY"]
    primary = primaries[0] if primaries else None
    for member in members:
        member.lag_s = _lag_s(primary, member)
    lags = [member.lag_s for member in members if member.lag_s is not None]
    return DotDict(
        set=status.get("set"),
        primary=primary.name if primary else None,
        members=members,
        max_lag_s=max(lags) if lags else None,
    )


def member_line(member: Mapping[str, Any]) -> str:
    """``db-2:27017 SECONDARY health 1``, with its heartbeat message or info where the server gave one."""
    line = f"{member['name']} {member['state']} health {_number_text(member['health'])}"
    return line + (f" ({member['message']})" if member.get("message") else "")


def primary_problem(essentials: Mapping[str, Any]) -> str | None:
    if essentials["primary"]:
        return None
    states = "; ".join(member_line(member) for member in essentials["members"]) or "no members"
    return f"replica set '{essentials['set']}' has no PRIMARY: {states}"


def unhealthy_members_problem(essentials: Mapping[str, Any]) -> str | None:
    members = essentials["members"]
    unhealthy = [member for member in members if member["health"] != 1 or member["state"] not in HEALTHY_STATES]
    if not members:
        return f"replica set '{essentials['set']}' reports no members"
    if not unhealthy:
        return None
    shown = "; ".join(member_line(member) for member in unhealthy)
    return f"replica set '{essentials['set']}': {len(unhealthy)} of {len(members)} member(s) not healthy: {shown}"


def lag_problem(essentials: Mapping[str, Any], max_lag_s: float) -> str | None:
    if not essentials["primary"]:
        return f"replica set '{essentials['set']}' has no PRIMARY, so no replication lag can be measured"
    behind = [member for member in essentials["members"] if (member["lag_s"] or 0) >= max_lag_s]
    if not behind:
        return None
    shown = "; ".join(f"{member['name']} {member['lag_s']:g} s behind" for member in behind)
    return (
        f"replica set '{essentials['set']}': replication lag at or above {max_lag_s:g} s: {shown} "
        f"(primary {essentials['primary']})"
    )


@dataclass(frozen=True)
class ConnectionLimit:
    """``80%``: a share of the connections the server can take (current + available); ``500``: a number."""

    value: float
    share: bool

    @classmethod
    def from_robot(cls, value: str | int | float) -> ConnectionLimit:
        found = _LIMIT.match(str(value))
        if not found:
            raise ValueError(f"connection limit must be a share such as 80% or a number such as 500, got '{value}'")
        number, share = float(found.group("number")), bool(found.group("percent"))
        if number <= 0 or (share and number > 100):
            raise ValueError(f"connection limit must be above 0{' and at most 100%' if share else ''}, got '{value}'")
        return cls(number, share)

    def text(self) -> str:
        return f"{self.value:g} %" if self.share else f"{self.value:g} connection(s)"


def server_status_essentials(status: Mapping[str, Any]) -> DotDict:
    """``host``, ``version``, ``uptime_s``, ``connections`` (``current``, ``available``, ``total_created``) and
    ``opcounters`` of a ``serverStatus`` answer."""
    connections = status.get("connections") or {}
    return DotDict(
        host=status.get("host"),
        version=status.get("version"),
        uptime_s=status.get("uptime"),
        connections=DotDict(
            current=connections.get("current"),
            available=connections.get("available"),
            total_created=connections.get("totalCreated"),
        ),
        opcounters=DotDict(status.get("opcounters") or {}),
    )


def connections_problem(essentials: Mapping[str, Any], limit: ConnectionLimit) -> str | None:
    """Why the connections in use are not below ``limit``, or ``None``; the server must report ``current`` (and,
    for a share, ``available``)."""
    connections = essentials["connections"]
    current, available = connections.get("current"), connections.get("available")
    if current is None or (limit.share and available is None):
        return "serverStatus reports no connections.current and connections.available"
    if not limit.share:
        if current < limit.value:
            return None
        return f"{current} connection(s) in use, at or above the limit of {limit.text()} ({available} available)"
    possible = current + available
    used = 100.0 * current / possible if possible else 100.0
    if used < limit.value:
        return None
    return (
        f"{current} of {possible} possible connection(s) in use ({used:.0f} %, {available} available), "
        f"at or above {limit.text()}"
    )


def _member(member: Mapping[str, Any]) -> DotDict:
    message = member.get("lastHeartbeatMessage") or member.get("infoMessage") or ""
    return DotDict(
        name=member.get("name", "?"),
        state=member.get("stateStr") or f"state {member.get('state', '?')}",
        health=member.get("health", 0),
        optime_date=_utc(member.get("optimeDate")),
        is_self=bool(member.get("self")),
        message=message,
        lag_s=None,
    )


def _lag_s(primary: Mapping[str, Any] | None, member: Mapping[str, Any]) -> float | None:
    if primary is None or member is primary or member["state"] == "ARBITER":
        return None
    if primary["optime_date"] is None or member["optime_date"] is None:
        return None
    return max(0.0, (primary["optime_date"] - member["optime_date"]).total_seconds())


def _utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _number_text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)
