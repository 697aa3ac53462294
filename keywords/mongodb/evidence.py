"""First-response evidence of the MongoDB cases, as plain lines from the server's own answers: what
``db.serverStatus()``, ``db.currentOp()`` and ``db.stats()`` would have shown the on-call engineer.

Pure functions; :class:`keywords.mongodb.library.MongoDBLibrary` runs the commands (read-only, bounded by the
connection's timeouts) and logs the lines with :func:`keywords.common.evidence.log_evidence`.
"""

from __future__ import annotations

from typing import Any

#: Operations shown: the longest-running first.
MAX_OPERATIONS = 10
MONITORING_COMMANDS = ("hello", "ismaster", "isMaster")


def server_status_lines(status: dict[str, Any]) -> list[str]:
    """Uptime, connections and operation counters of a ``serverStatus`` answer."""
    connections = status.get("connections") or {}
    counters = status.get("opcounters") or {}
    return [
        f"server: {status.get('host', '?')}, version {status.get('version', '?')}, up {status.get('uptime', '?')} s",
        "connections: "
        + ", ".join(
            f"{key} {connections[key]}" for key in ("current", "available", "totalCreated") if key in connections
        ),
        "operations since start: " + ", ".join(f"{key} {value}" for key, value in counters.items()),
    ]


def current_op_lines(operations: list[dict[str, Any]]) -> list[str]:
    """The active operations of a ``currentOp`` answer, longest-running first; left out: the ``currentOp`` asking, and
    the drivers' monitors waiting in ``hello`` (they wait by design, they do no work)."""
    shown = [
        op
        for op in operations
        if op.get("active", True) and _command_name(op.get("command")) not in ("currentOp", *MONITORING_COMMANDS)
    ]
    shown.sort(key=_running_ms, reverse=True)
    lines = [f"operations in progress: {len(shown)}" + (", longest first" if len(shown) > 1 else "")]
    for op in shown[:MAX_OPERATIONS]:
        users = ",".join(user.get("user", "?") for user in op.get("effectiveUsers") or []) or "-"
        application = ((op.get("clientMetadata") or {}).get("application") or {}).get("name") or "-"
        lines.append(
            f"  {op.get('op', '?')} {op.get('ns') or '-'}: running {_running_ms(op):.0f} ms, "
            f"client {op.get('client', '?')}, user {users}, app {application}, "
            f"command {_command_name(op.get('command'))}"
        )
    if len(shown) > MAX_OPERATIONS:
        lines.append(f"  ... {len(shown) - MAX_OPERATIONS} more")
    return lines


def database_stats_lines(database: str, stats: dict[str, Any], collections: list[str]) -> list[str]:
    """A ``dbStats`` answer's sizes and counts, and the collections present."""
    return [
        f"database {database}: {stats.get('collections', '?')} collection(s), {stats.get('objects', '?')} document(s), "
        f"data {stats.get('dataSize', '?')} B, storage {stats.get('storageSize', '?')} B, "
        f"{stats.get('indexes', '?')} index(es) of {stats.get('indexSize', '?')} B",
        f"collections present: {', '.join(sorted(collections)) or 'none'}",
    ]


def _command_name(command: Any) -> str:
    # Only the command's name: its arguments may hold filters with customer data.
    return next(iter(command), "?") if isinstance(command, dict) and command else "?"


def _running_ms(op: dict[str, Any]) -> float:
    return (op.get("microsecs_running") or (op.get("secs_running") or 0) * 1_000_000) / 1000
