"""The cluster's objects, read from ordinary Kubernetes manifests, with fault overlays and API-style queries.

A manifest folder holds ``*.yaml`` (multi-document), ``logs/<namespace>/<pod>.log`` and, for a pod whose container
restarted, ``logs/<namespace>/<pod>.previous.log`` (the previous container's log).  Folders are applied in
order: an object replaces the object of the same kind, namespace and name; an object annotated
``lab.focus/overlay: delete`` removes it instead (a deleted Namespace takes everything in it along).
A value ``<<now>>`` or ``<<now-20m>>`` (s, m, h, d) is a time relative to the load, written as the API writes
times: events, job runs and conditions that must be recent whenever the lab starts.
"""

from __future__ import annotations

import copy
import datetime
import re
import uuid
from pathlib import Path
from typing import Any

import yaml

from lab.kube_api.selectors import fields_match, labels_match, parse_field_selector, parse_label_selector

DELETE_ANNOTATION = "lab.focus/overlay"
FIRST_RESOURCE_VERSION = 4711  # arbitrary, but non-zero like a real cluster's

PREVIOUS = ".previous"  # a log file's suffix before .log when it holds the previous container's log
RELATIVE_TIME = re.compile(r"^<<now(?:-(\d+)([smhd]))?>>$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
Key = tuple[str, str, str]  # kind, namespace ("" when cluster-scoped), name


class ObjectStore:
    """Read-only objects plus pod logs; lists come back in (namespace, name) order like the API server's."""

    def __init__(
        self, objects: dict[Key, dict], logs: dict[tuple[str, str], str], previous_logs: dict[tuple[str, str], str]
    ) -> None:
        self._objects = objects
        self._logs = logs
        self._previous_logs = previous_logs
        self.resource_version = str(FIRST_RESOURCE_VERSION + len(objects))

    @classmethod
    def load(cls, folders: list[Path]) -> ObjectStore:
        objects: dict[Key, dict] = {}
        logs: dict[tuple[str, str], str] = {}
        previous_logs: dict[tuple[str, str], str] = {}
        now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
        for folder in folders:
            for file in sorted(folder.glob("*.yaml")):
                for manifest in yaml.safe_load_all(file.read_text(encoding="utf-8")):
                    if manifest:
                        _apply(objects, [logs, previous_logs], _with_times(manifest, now))
            for log in sorted(folder.glob("logs/*/*.log")):
                pod, previous = log.stem.removesuffix(PREVIOUS), log.stem.endswith(PREVIOUS)
                (previous_logs if previous else logs)[(log.parent.name, pod)] = log.read_text(encoding="utf-8")
        for version, key in enumerate(sorted(objects), start=FIRST_RESOURCE_VERSION):
            _complete_metadata(objects[key], version)
        return cls(objects, logs, previous_logs)

    def all(self) -> list[dict]:
        """Every object, in (kind, namespace, name) order."""
        return [copy.deepcopy(obj) for _, obj in sorted(self._objects.items())]

    def logs(self) -> dict[tuple[str, str], str]:
        """``{(namespace, pod): log text}``."""
        return dict(self._logs)

    def previous_logs(self) -> dict[tuple[str, str], str]:
        """``{(namespace, pod): the previous container's log text}`` for the pods that have one."""
        return dict(self._previous_logs)

    def get(self, kind: str, namespace: str, name: str) -> dict | None:
        found = self._objects.get((kind, namespace, name))
        return copy.deepcopy(found) if found else None

    def list(self, kind: str, namespace: str = "", label_selector: str = "", field_selector: str = "") -> list[dict]:
        """Objects of ``kind``, in ``namespace`` or (empty) all namespaces, filtered by the selectors as the API
        server filters (``SelectorError`` for one it would answer 400 for)."""
        labels = parse_label_selector(label_selector)
        fields = parse_field_selector(field_selector, kind)
        return [
            copy.deepcopy(obj)
            for (obj_kind, obj_namespace, _), obj in sorted(self._objects.items())
            if obj_kind == kind
            and (not namespace or obj_namespace == namespace)
            and labels_match(labels, obj)
            and fields_match(fields, obj)
        ]

    def log(self, namespace: str, pod: str) -> str:
        return self._logs.get((namespace, pod), "")

    def previous_log(self, namespace: str, pod: str) -> str | None:
        return self._previous_logs.get((namespace, pod))


def _key(manifest: dict) -> Key:
    metadata = manifest["metadata"]
    return manifest["kind"], metadata.get("namespace", ""), metadata["name"]


def _apply(objects: dict[Key, dict], log_sets: list[dict[tuple[str, str], str]], manifest: dict) -> None:
    key = _key(manifest)
    if (manifest["metadata"].get("annotations") or {}).get(DELETE_ANNOTATION) != "delete":
        objects[key] = manifest
        return
    objects.pop(key, None)
    if key[0] == "Namespace":
        for doomed in [other for other in objects if other[1] == key[2]]:
            del objects[doomed]
        for logs in log_sets:
            for doomed_log in [pod for pod in logs if pod[0] == key[2]]:
                del logs[doomed_log]


def _with_times(value: Any, now: datetime.datetime) -> Any:
    """``value`` with every ``<<now-N[smhd]>>`` replaced by that time before ``now``, as RFC 3339 UTC."""
    if isinstance(value, dict):
        return {key: _with_times(item, now) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_times(item, now) for item in value]
    match = RELATIVE_TIME.match(value) if isinstance(value, str) else None
    if not match:
        return value
    ago = int(match[1] or 0) * UNIT_SECONDS[match[2] or "s"]
    return (now - datetime.timedelta(seconds=ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _complete_metadata(obj: dict, version: int) -> None:
    """Fill in what the API server assigns, so manifests need not repeat it."""
    metadata = obj["metadata"]
    metadata.setdefault("uid", str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(_key(obj)))))
    metadata.setdefault("resourceVersion", str(version))
    metadata.setdefault("creationTimestamp", "2024-03-11T09:12:40Z")
