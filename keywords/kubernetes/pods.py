"""A pod and a service as the PZ-13899 checks see them: the API's JSON (camelCase) reduced to plain dictionaries,
and a pod described in one line for a failure message. Pure functions."""

from __future__ import annotations

from typing import Any

#: Upper bound of each restart class, per the PZ-13899 briefing; above the last one is a crash loop.
RESTART_CLASSES = ((2, "fine"), (5, "acceptable"), (10, "unstable"))


def classify_restarts(restarts: int) -> str:
    """``fine`` (0-2), ``acceptable`` (3-5), ``unstable`` (6-10) or ``crash loop`` (> 10)."""
    return next((name for limit, name in RESTART_CLASSES if restarts <= limit), "crash loop")


def summarize_container(status: dict) -> dict[str, Any]:
    state_name, state = next(iter((status.get("state") or {}).items()), ("unknown", {}))
    last_terminated = (status.get("lastState") or {}).get("terminated") or {}
    return {
        "name": status.get("name", ""),
        "ready": bool(status.get("ready")),
        "restart_count": int(status.get("restartCount") or 0),
        "state": state_name,
        "state_reason": (state or {}).get("reason", ""),
        "last_termination_reason": last_terminated.get("reason", ""),
        "last_termination": {
            "reason": last_terminated.get("reason", ""),
            "exit_code": last_terminated.get("exitCode"),
            "finished_at": last_terminated.get("finishedAt", ""),
        }
        if last_terminated
        else None,
    }


def summarize_pod(pod: dict) -> dict[str, Any]:
    """A pod as the API returns it (camelCase JSON) reduced to what the health checks look at.

    Pending pods may have no conditions or container statuses yet; they summarize as not ready, 0 restarts.
    """
    status = pod.get("status") or {}
    conditions = [
        {key: condition.get(key, "") for key in ("type", "status", "reason", "message")}
        for condition in status.get("conditions") or []
    ]
    containers = [summarize_container(container) for container in status.get("containerStatuses") or []]
    return {
        "name": pod["metadata"]["name"],
        "namespace": pod["metadata"].get("namespace", ""),
        "node": (pod.get("spec") or {}).get("nodeName", ""),
        "phase": status.get("phase", "Unknown"),
        "reason": status.get("reason", ""),
        "ready": any(c["type"] == "Ready" and c["status"] == "True" for c in conditions),
        "conditions": conditions,
        "restarts": sum(container["restart_count"] for container in containers),
        "containers": containers,
    }


def summarize_service(service: dict) -> dict[str, Any]:
    spec = service.get("spec") or {}
    return {
        "name": service["metadata"]["name"],
        "namespace": service["metadata"].get("namespace", ""),
        "type": spec.get("type", ""),
        "cluster_ip": spec.get("clusterIP", ""),
        "ports": [port["port"] for port in spec.get("ports") or []],
        "selector": spec.get("selector") or {},
    }


def describe_pod(pod: dict[str, Any]) -> str:
    """One line for a failure message: phase, conditions that are not True, and each container's history."""
    parts = [f"phase {pod['phase']}" + (f" ({pod['reason']})" if pod["reason"] else "")]
    for condition in pod["conditions"]:
        if condition["status"] != "True":
            why = ": ".join(filter(None, (condition["reason"], condition["message"])))
            parts.append(f"condition {condition['type']}={condition['status']}" + (f" ({why})" if why else ""))
    if not pod["containers"]:
        parts.append("no container statuses yet")
    for container in pod["containers"]:
        state = container["state"] + (f" {container['state_reason']}" if container["state_reason"] else "")
        text = f"container {container['name']}: ready={container['ready']}, {state}, "
        text += f"{container['restart_count']} restarts"
        if container["last_termination_reason"]:
            text += f", last terminated: {container['last_termination_reason']}"
        parts.append(text)
    return f"pod {pod['name']}: " + "; ".join(parts)
