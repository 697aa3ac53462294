"""MongoDB evidence lines from server answers: the operations that matter first, never a command's arguments."""

from __future__ import annotations

from keywords.mongodb.evidence import MAX_OPERATIONS, current_op_lines, server_status_lines


def operation(op: str, micros: int, **command) -> dict:
    return {
        "active": True,
        "op": op,
        "ns": "prisma.recordings",
        "microsecs_running": micros,
        "client": "10.0.0.5:51234",
        "effectiveUsers": [{"user": "focus", "db": "prisma"}],
        "clientMetadata": {"application": {"name": "focus-server"}},
        "command": command or {op: "recordings"},
    }


def test_the_longest_running_operation_comes_first_and_filters_are_not_shown():
    lines = current_op_lines(
        [
            operation("query", 1_500, find="recordings", filter={"customer": "ACME"}),
            operation("update", 9_000_000),
            {"active": True, "op": "command", "command": {"hello": 1}, "microsecs_running": 9_999_000_000},
            {"active": True, "op": "command", "command": {"currentOp": 1}},
            {"active": False, "op": "query", "command": {"find": "x"}},
        ]
    )
    assert lines == [
        "operations in progress: 2, longest first",
        "  update prisma.recordings: running 9000 ms, client 10.0.0.5:51234, user focus, app focus-server, "
        "command update",
        "  query prisma.recordings: running 2 ms, client 10.0.0.5:51234, user focus, app focus-server, command find",
    ]
    assert "ACME" not in "\n".join(lines)


def test_many_operations_are_cut_to_the_longest():
    lines = current_op_lines([operation("query", micros) for micros in range(MAX_OPERATIONS + 3)])
    assert len(lines) == 1 + MAX_OPERATIONS + 1
    assert lines[-1] == "  ... 3 more"


def test_server_status_keeps_uptime_connections_and_counters():
    assert server_status_lines(
        {
            "host": "db-1",
            "version": "7.0.14",
            "uptime": 86400,
            "connections": {"current": 812, "available": 188, "totalCreated": 90210, "active": 3},
            "opcounters": {"insert": 1, "query": 2},
        }
    ) == [
        "server: db-1, version 7.0.14, up 86400 s",
        "connections: current 812, available 188, totalCreated 90210",
        "operations since start: insert 1, query 2",
    ]
