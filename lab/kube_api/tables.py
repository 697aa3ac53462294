"""Server-side printing (meta.k8s.io/v1 Table), which ``kubectl get`` asks for and prints as its columns.

Without it kubectl would only show NAME and AGE.  Columns follow the real API server's printers.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

Column = tuple[str, str, int, Callable[[dict], object]]  # name, type, priority (1 = only with -o wide), cell


def table(kind: str, objects: list[dict], resource_version: str, include_object: str) -> dict:
    columns = COLUMNS[kind]
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": [
            {"name": name, "type": kind_, "format": "name" if name == "Name" else "", "description": "", "priority": p}
            for name, kind_, p, _ in columns
        ],
        "rows": [
            {"cells": [cell(obj) for *_, cell in columns], "object": _row_object(obj, include_object)}
            for obj in objects
        ],
    }


def _row_object(obj: dict, include_object: str) -> dict | None:
    if include_object == "None":
        return None
    if include_object == "Object":
        return obj
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}


def age(obj: dict) -> str:
    """Like ``kubectl``'s AGE column (k8s.io/apimachinery duration.HumanDuration)."""
    created = datetime.datetime.fromisoformat(obj["metadata"]["creationTimestamp"].replace("Z", "+00:00"))
    seconds = int((datetime.datetime.now(datetime.UTC) - created).total_seconds())
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if seconds < 120:
        return f"{seconds}s"
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 192:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if days < 730:
        return f"{days}d"
    return f"{days // 365}y{days % 365}d"


def _containers(pod: dict) -> list[dict]:
    return pod.get("status", {}).get("containerStatuses") or []


def pod_status(pod: dict) -> str:
    """The STATUS column: a waiting or terminated container's reason wins over the pod phase."""
    for container in _containers(pod):
        state = container.get("state") or {}
        for detail in (state.get("waiting"), state.get("terminated")):
            if detail and detail.get("reason"):
                return detail["reason"]
    return pod.get("status", {}).get("phase", "Unknown")


def _pod_ready(pod: dict) -> str:
    containers = _containers(pod)
    return f"{sum(1 for c in containers if c.get('ready'))}/{len(pod['spec'].get('containers', []))}"


def _ports(service: dict) -> str:
    return ",".join(f"{p['port']}/{p.get('protocol', 'TCP')}" for p in service["spec"].get("ports", [])) or "<none>"


def _endpoints(endpoints: dict) -> str:
    addresses = [
        f"{address['ip']}:{port['port']}"
        for subset in endpoints.get("subsets") or []
        for address in subset.get("addresses") or []
        for port in subset.get("ports") or []
    ]
    return ",".join(addresses) or "<none>"


def _selector(labels: dict | None) -> str:
    return ",".join(f"{key}={value}" for key, value in (labels or {}).items()) or "<none>"


COLUMNS: dict[str, list[Column]] = {
    "Namespace": [
        ("Name", "string", 0, lambda o: o["metadata"]["name"]),
        ("Status", "string", 0, lambda o: o.get("status", {}).get("phase", "")),
        ("Age", "string", 0, age),
    ],
    "Pod": [
        ("Name", "string", 0, lambda o: o["metadata"]["name"]),
        ("Ready", "string", 0, _pod_ready),
        ("Status", "string", 0, pod_status),
        ("Restarts", "string", 0, lambda o: str(sum(c.get("restartCount", 0) for c in _containers(o)))),
        ("Age", "string", 0, age),
        ("IP", "string", 1, lambda o: o.get("status", {}).get("podIP", "<none>")),
        ("Node", "string", 1, lambda o: o["spec"].get("nodeName", "<none>")),
        ("Nominated Node", "string", 1, lambda o: "<none>"),
        ("Readiness Gates", "string", 1, lambda o: "<none>"),
    ],
    "Service": [
        ("Name", "string", 0, lambda o: o["metadata"]["name"]),
        ("Type", "string", 0, lambda o: o["spec"].get("type", "ClusterIP")),
        ("Cluster-IP", "string", 0, lambda o: o["spec"].get("clusterIP", "<none>")),
        ("External-IP", "string", 0, lambda o: "<none>"),
        ("Port(s)", "string", 0, _ports),
        ("Age", "string", 0, age),
        ("Selector", "string", 1, lambda o: _selector(o["spec"].get("selector"))),
    ],
    "Endpoints": [
        ("Name", "string", 0, lambda o: o["metadata"]["name"]),
        ("Endpoints", "string", 0, _endpoints),
        ("Age", "string", 0, age),
    ],
    "Deployment": [
        ("Name", "string", 0, lambda o: o["metadata"]["name"]),
        ("Ready", "string", 0, lambda o: f"{o['status'].get('readyReplicas', 0)}/{o['spec'].get('replicas', 1)}"),
        ("Up-to-date", "integer", 0, lambda o: o["status"].get("updatedReplicas", 0)),
        ("Available", "integer", 0, lambda o: o["status"].get("availableReplicas", 0)),
        ("Age", "string", 0, age),
    ],
}
