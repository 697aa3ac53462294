"""Server-side printing (meta.k8s.io/v1 Table), which ``kubectl get`` asks for and prints as its columns.

Without it kubectl would only show NAME and AGE.  Columns follow the real API server's printers.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

Column = tuple[str, str, int, Callable[[dict], object]]  # name, type, priority (1 = only with -o wide), cell


def table(kind: str, objects: list[dict], resource_version: str, include_object: str) -> dict:
    columns = COLUMNS.get(kind, DEFAULT_COLUMNS)
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
    return since(obj["metadata"]["creationTimestamp"])


def since(timestamp: str | None) -> str:
    """How long ago an API timestamp was, as the server's printers say it; ``<unknown>`` for none."""
    if not timestamp:
        return "<unknown>"
    return human_duration(datetime.datetime.now(datetime.UTC) - _time(timestamp))


def _time(timestamp: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


def human_duration(delta: datetime.timedelta) -> str:
    """k8s.io/apimachinery's ``duration.HumanDuration``."""
    seconds = int(delta.total_seconds())
    if seconds < -1:
        return "<invalid>"
    seconds = max(seconds, 0)
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


def _node_status(node: dict) -> str:
    ready = next((c for c in (node.get("status") or {}).get("conditions") or [] if c.get("type") == "Ready"), None)
    status = ["Unknown"] if ready is None else ["Ready" if ready.get("status") == "True" else "NotReady"]
    if (node.get("spec") or {}).get("unschedulable"):
        status.append("SchedulingDisabled")
    return ",".join(status)


def _node_roles(node: dict) -> str:
    labels = node["metadata"].get("labels") or {}
    roles = {key.split("/", 1)[1] for key in labels if key.startswith("node-role.kubernetes.io/") and "/" in key}
    roles |= {labels["kubernetes.io/role"]} if labels.get("kubernetes.io/role") else set()
    return ",".join(sorted(role for role in roles if role)) or "<none>"


def _node_address(node: dict, kind: str) -> str:
    addresses = (node.get("status") or {}).get("addresses") or []
    return next((a["address"] for a in addresses if a.get("type") == kind), "<none>")


def _node_info(node: dict, key: str) -> str:
    info = (node.get("status") or {}).get("nodeInfo") or {}
    value = info.get(key) or "<unknown>"
    if key == "kernelVersion" and info.get("architecture"):
        value += f" ({info['architecture']})"
    return value


def _claim_cells(claim: dict) -> tuple[str, str]:
    """Capacity and access modes: shown once the claim names its volume, as the real printer shows them."""
    if not (claim.get("spec") or {}).get("volumeName"):
        return "", ""
    status = claim.get("status") or {}
    modes = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}
    return (status.get("capacity") or {}).get("storage", ""), ",".join(
        modes.get(mode, mode) for mode in status.get("accessModes") or []
    )


def _event_last_seen(event: dict) -> str:
    if event.get("series"):
        return since(event["series"].get("lastObservedTime"))
    return since(event.get("lastTimestamp") or event.get("firstTimestamp") or event.get("eventTime"))


def _event_object(event: dict) -> str:
    involved = event.get("involvedObject") or {}
    kind = (involved.get("kind") or "").lower()
    return f"{kind}/{involved['name']}" if involved.get("name") else kind


def _event_source(event: dict) -> str:
    source = event.get("source") or {}
    component = source.get("component") or event.get("reportingComponent") or ""
    return f"{component}, {source['host']}" if source.get("host") else component


def _job_status(job: dict) -> str:
    true = {c.get("type") for c in (job.get("status") or {}).get("conditions") or [] if c.get("status") == "True"}
    for condition in ("Complete", "Failed", "Suspended", "FailureTarget", "SuccessCriteriaMet"):
        if condition in true:
            return condition
    return "Running"


def _job_duration(job: dict) -> str:
    status = job.get("status") or {}
    if not status.get("startTime"):
        return ""
    if not status.get("completionTime"):
        return since(status["startTime"])
    return human_duration(_time(status["completionTime"]) - _time(status["startTime"]))


def _template_spec(obj: dict) -> dict:
    spec = obj.get("spec") or {}
    if "jobTemplate" in spec:
        spec = spec["jobTemplate"].get("spec") or {}
    return (spec.get("template") or {}).get("spec") or {}


def _label_selector(obj: dict) -> str:
    """metav1.FormatLabelSelector of ``spec.selector`` (a CronJob's: its Job template's)."""
    spec = obj.get("spec") or {}
    if "jobTemplate" in spec:
        spec = spec["jobTemplate"].get("spec") or {}
    selector = spec.get("selector")
    if not selector:
        return "<none>"
    terms = [f"{key}={value}" for key, value in sorted((selector.get("matchLabels") or {}).items())]
    for expression in selector.get("matchExpressions") or []:
        operator, key = expression.get("operator", ""), expression.get("key", "")
        values = ",".join(expression.get("values") or [])
        terms.append(
            {"In": f"{key} in ({values})", "NotIn": f"{key} notin ({values})", "Exists": key}.get(operator, f"!{key}")
        )
    return ",".join(terms) or "<none>"


#: The columns -o wide adds to a workload's: its containers, their images and its selector.
WORKLOAD_WIDE: list = [
    ("Containers", "string", 1, lambda o: ",".join(c["name"] for c in _template_spec(o).get("containers") or [])),
    ("Images", "string", 1, lambda o: ",".join(c.get("image", "") for c in _template_spec(o).get("containers") or [])),
    ("Selector", "string", 1, _label_selector),
]


def _name(obj: dict) -> str:
    return obj["metadata"]["name"]


def _status(obj: dict, key: str, default: object = 0) -> object:
    return (obj.get("status") or {}).get(key, default)


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
        *WORKLOAD_WIDE,
    ],
    "Node": [
        ("Name", "string", 0, _name),
        ("Status", "string", 0, _node_status),
        ("Roles", "string", 0, _node_roles),
        ("Age", "string", 0, age),
        ("Version", "string", 0, lambda o: ((o.get("status") or {}).get("nodeInfo") or {}).get("kubeletVersion", "")),
        ("Internal-IP", "string", 1, lambda o: _node_address(o, "InternalIP")),
        ("External-IP", "string", 1, lambda o: _node_address(o, "ExternalIP")),
        ("OS-Image", "string", 1, lambda o: _node_info(o, "osImage")),
        ("Kernel-Version", "string", 1, lambda o: _node_info(o, "kernelVersion")),
        ("Container-Runtime", "string", 1, lambda o: _node_info(o, "containerRuntimeVersion")),
    ],
    "ConfigMap": [
        ("Name", "string", 0, _name),
        ("Data", "string", 0, lambda o: len(o.get("data") or {}) + len(o.get("binaryData") or {})),
        ("Age", "string", 0, age),
    ],
    "PersistentVolumeClaim": [
        ("Name", "string", 0, _name),
        ("Status", "string", 0, lambda o: _status(o, "phase", "")),
        ("Volume", "string", 0, lambda o: (o.get("spec") or {}).get("volumeName", "")),
        ("Capacity", "string", 0, lambda o: _claim_cells(o)[0]),
        ("Access Modes", "string", 0, lambda o: _claim_cells(o)[1]),
        ("StorageClass", "string", 0, lambda o: (o.get("spec") or {}).get("storageClassName") or "<unset>"),
        ("VolumeAttributesClass", "string", 0, lambda o: "<unset>"),
        ("Age", "string", 0, age),
        ("VolumeMode", "string", 1, lambda o: (o.get("spec") or {}).get("volumeMode", "Filesystem")),
    ],
    "Event": [
        ("Last Seen", "string", 0, _event_last_seen),
        ("Type", "string", 0, lambda o: o.get("type", "")),
        ("Reason", "string", 0, lambda o: o.get("reason", "")),
        ("Object", "string", 0, _event_object),
        ("Subobject", "string", 1, lambda o: (o.get("involvedObject") or {}).get("fieldPath", "")),
        ("Source", "string", 1, _event_source),
        ("Message", "string", 0, lambda o: (o.get("message") or "").strip()),
        ("First Seen", "string", 1, lambda o: since(o.get("firstTimestamp") or o.get("eventTime"))),
        ("Count", "string", 1, lambda o: o.get("count") or 1),
        ("Name", "string", 1, _name),
    ],
    "ReplicaSet": [
        ("Name", "string", 0, _name),
        ("Desired", "integer", 0, lambda o: (o.get("spec") or {}).get("replicas", 1)),
        ("Current", "integer", 0, lambda o: _status(o, "replicas")),
        ("Ready", "integer", 0, lambda o: _status(o, "readyReplicas")),
        ("Age", "string", 0, age),
        *WORKLOAD_WIDE,
    ],
    "StatefulSet": [
        ("Name", "string", 0, _name),
        ("Ready", "string", 0, lambda o: f"{_status(o, 'readyReplicas')}/{(o.get('spec') or {}).get('replicas', 1)}"),
        ("Age", "string", 0, age),
        *WORKLOAD_WIDE[:2],
    ],
    "DaemonSet": [
        ("Name", "string", 0, _name),
        ("Desired", "integer", 0, lambda o: _status(o, "desiredNumberScheduled")),
        ("Current", "integer", 0, lambda o: _status(o, "currentNumberScheduled")),
        ("Ready", "integer", 0, lambda o: _status(o, "numberReady")),
        ("Up-to-date", "integer", 0, lambda o: _status(o, "updatedNumberScheduled")),
        ("Available", "integer", 0, lambda o: _status(o, "numberAvailable")),
        (
            "Node Selector",
            "string",
            0,
            lambda o: _selector(((o["spec"].get("template") or {}).get("spec") or {}).get("nodeSelector")),
        ),
        ("Age", "string", 0, age),
        *WORKLOAD_WIDE,
    ],
    "Job": [
        ("Name", "string", 0, _name),
        ("Status", "string", 0, _job_status),
        (
            "Completions",
            "string",
            0,
            lambda o: f"{_status(o, 'succeeded')}/{(o.get('spec') or {}).get('completions', 1)}",
        ),
        ("Duration", "string", 0, _job_duration),
        ("Age", "string", 0, age),
        *WORKLOAD_WIDE,
    ],
    "CronJob": [
        ("Name", "string", 0, _name),
        ("Schedule", "string", 0, lambda o: o["spec"].get("schedule", "")),
        ("Timezone", "string", 0, lambda o: o["spec"].get("timeZone") or "<none>"),
        ("Suspend", "boolean", 0, lambda o: "True" if o["spec"].get("suspend") else "False"),
        ("Active", "integer", 0, lambda o: len(_status(o, "active", []) or [])),
        (
            "Last Schedule",
            "string",
            0,
            lambda o: since(_status(o, "lastScheduleTime", None)) if _status(o, "lastScheduleTime", None) else "<none>",
        ),
        ("Age", "string", 0, age),
        *WORKLOAD_WIDE,
    ],
}
#: What the real server prints for a kind without a printer of its own.
DEFAULT_COLUMNS: list[Column] = [
    ("Name", "string", 0, _name),
    ("Created At", "date", 0, lambda o: o["metadata"]["creationTimestamp"]),
]
