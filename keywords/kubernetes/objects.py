"""Any Kubernetes object by kind: resolving what QA types (``Deployment``, ``deployments``, ``deploy``,
``deployments.apps``) through the API's discovery documents, the REST path of an object or a collection, and
what a keyword may hand back (a Secret's values never).

Pure functions over the API's JSON; :class:`keywords.kubernetes.library.KubernetesLibrary` reads the discovery
documents (``/api``, ``/apis``, ``/api/v1``, ``/apis/<group>/<version>``) and the objects.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

#: The core group's only version: its resources live under ``/api/v1``.
CORE = "v1"
#: ``deployments.v1.apps``: kubectl's resource.version.group form.
_VERSION = re.compile(r"^v\d+(?:(?:alpha|beta)\d+)?$")
#: Annotations that hold an object's full earlier manifest (for a Secret: its data) and never leave the library.
_MANIFEST_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)


@dataclass(frozen=True)
class Resource:
    """One resource the API serves, as its discovery document describes it."""

    group_version: str  # "v1", "apps/v1"
    name: str  # the plural: "deployments"
    kind: str  # "Deployment"
    namespaced: bool
    singular: str = ""
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ()

    @property
    def group(self) -> str:
        """The API group; ``""`` for the core group."""
        return self.group_version.rpartition("/")[0]

    @property
    def qualified(self) -> str:
        """``deployments.apps``; ``pods`` for the core group: what an RBAC rule and kubectl name."""
        return f"{self.name}.{self.group}" if self.group else self.name

    def names(self) -> set[str]:
        """Every name that selects this resource, lower case."""
        return {self.name, self.kind.lower(), self.singular or self.kind.lower(), *self.short_names}

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        """The REST path of one object, or of the collection (in ``namespace``; all namespaces when ``None``)."""
        base = f"/api/{CORE}" if self.group_version == CORE else f"/apis/{self.group_version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{quote(namespace, safe='')}"
        return f"{base}/{self.name}" + (f"/{quote(name, safe='')}" if name else "")

    def target(self, namespace: str | None, name: str | None = None) -> str:
        """How a message names the object (``Deployment panda/x``, ``Node n1``) or the collection."""
        if name is not None:
            return f"{self.kind} {namespace}/{name}" if self.namespaced and namespace else f"{self.kind} {name}"
        if not self.namespaced:
            return self.qualified
        return f"{self.qualified} in namespace '{namespace}'" if namespace else f"{self.qualified} in all namespaces"

    def permission(self, verb: str, namespace: str | None) -> str:
        """The RBAC permission a 403 says is missing."""
        where = f" in namespace '{namespace}'" if self.namespaced and namespace else " (cluster-wide)"
        return f"verb '{verb}' on resource '{self.name}' of API group '{self.group}'{where}"


def parse_kind(kind: str) -> tuple[str, str | None, str | None]:
    """``(name, group, version)`` of what QA typed: ``deploy`` → ``(deploy, None, None)``, ``deployments.apps`` →
    ``(deployments, apps, None)``, ``deployments.v1.apps`` → ``(deployments, apps, v1)``; ``ValueError`` when empty."""
    text = (kind or "").strip()
    if not text:
        raise ValueError("kind must name a kind, e.g. Deployment, deployments, deploy or deployments.apps")
    name, dot, rest = text.partition(".")
    if not dot:
        return name, None, None
    version, dot, group = rest.partition(".")
    if dot and _VERSION.match(version):
        return name, group, version
    return name, rest, None


def parse_api_version(api_version: str | None) -> tuple[str | None, str | None]:
    """``(group, version)`` of ``apps/v1`` or ``v1`` (the core group: ``("", "v1")``); ``(None, None)`` if unset."""
    if not api_version or not api_version.strip():
        return None, None
    group, _, version = api_version.strip().rpartition("/")
    if not version:
        raise ValueError(f"api_version must look like apps/v1 or v1, got '{api_version}'")
    return group, version


def group_versions_to_search(group_list: dict[str, Any] | None, group: str | None, version: str | None) -> list[str]:
    """The group versions to look a kind up in, in the order kubectl prefers them: the core group first, then each
    group's preferred version in the server's order. ``group_list`` is ``/apis`` (``None``: not read yet, and only
    the core group is asked for)."""
    if group in ("", "core"):
        return [CORE] if version in (None, CORE) else []
    if group is None and version == CORE:
        return [CORE]
    found = [] if group is not None else [CORE]
    for entry in (group_list or {}).get("groups") or []:
        if group is not None and entry.get("name") != group:
            continue
        versions = [item.get("groupVersion", "") for item in entry.get("versions") or []]
        if version is not None:
            found += [gv for gv in versions if gv.rpartition("/")[2] == version]
        else:
            preferred = (entry.get("preferredVersion") or {}).get("groupVersion")
            found.append(preferred or next(iter(versions), ""))
    return [gv for gv in found if gv]


def resources_of(resource_list: dict[str, Any]) -> list[Resource]:
    """The resources of an ``APIResourceList`` (``/api/v1``, ``/apis/apps/v1``), without subresources (``pods/log``)."""
    group_version = resource_list.get("groupVersion", CORE)
    return [
        Resource(
            group_version=group_version,
            name=item["name"],
            kind=item.get("kind", ""),
            namespaced=bool(item.get("namespaced")),
            singular=item.get("singularName") or "",
            short_names=tuple(item.get("shortNames") or ()),
            verbs=tuple(item.get("verbs") or ()),
        )
        for item in resource_list.get("resources") or []
        if "/" not in item.get("name", "/")
    ]


def find_resource(resources: list[Resource], name: str) -> Resource | None:
    """The resource ``name`` selects (Kind, plural, singular or short name; case-insensitive), or ``None``."""
    wanted = name.lower()
    return next((resource for resource in resources if wanted in resource.names()), None)


def with_kind(obj: dict[str, Any], resource: Resource) -> dict[str, Any]:
    """``obj`` with ``apiVersion`` and ``kind``: the items of a list come without them."""
    return {"apiVersion": resource.group_version, "kind": resource.kind, **obj}


def is_secret(resource: Resource) -> bool:
    return resource.group == "" and resource.kind == "Secret"


def masked_secret(secret: dict[str, Any]) -> dict[str, Any]:
    """What may be said of a Secret: its ``apiVersion``, ``kind``, ``type``, metadata and ``data_keys`` (the sorted
    names of its keys) — never a value, nor the last-applied manifest that would repeat them."""
    metadata = dict(secret.get("metadata") or {})
    metadata.pop("managedFields", None)
    annotations = {
        key: value for key, value in (metadata.get("annotations") or {}).items() if key not in _MANIFEST_ANNOTATIONS
    }
    if "annotations" in metadata:
        metadata["annotations"] = annotations
    keys = {*(secret.get("data") or {}), *(secret.get("stringData") or {})}
    return {
        "apiVersion": secret.get("apiVersion", CORE),
        "kind": secret.get("kind", "Secret"),
        "type": secret.get("type", ""),
        "metadata": metadata,
        "data_keys": sorted(keys),
    }


def returned_object(resource: Resource, obj: dict[str, Any]) -> dict[str, Any]:
    """The object as a keyword returns it: as the API sent it (kind and apiVersion filled in), a Secret masked."""
    obj = with_kind(obj, resource)
    return masked_secret(obj) if is_secret(resource) else obj


def name_matches(obj: dict[str, Any], pattern: str) -> bool:
    """Whether ``metadata.name`` matches the glob ``pattern`` (case-sensitive, as names are)."""
    return fnmatch.fnmatchcase((obj.get("metadata") or {}).get("name", ""), pattern or "*")


def object_line(obj: dict[str, Any]) -> str:
    """One log line naming an object: ``Deployment panda/x (resourceVersion 4711)``."""
    metadata = obj.get("metadata") or {}
    where = f"{metadata['namespace']}/" if metadata.get("namespace") else ""
    version = metadata.get("resourceVersion", "?")
    return f"{obj.get('kind', '?')} {where}{metadata.get('name', '?')} (resourceVersion {version})"
