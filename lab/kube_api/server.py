"""The HTTPS server: bearer-token authentication and the read-only REST paths kubectl and the Python client use."""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import re
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml

from lab.kube_api.selectors import SelectorError
from lab.kube_api.store import ObjectStore
from lab.kube_api.tables import table

LOG = logging.getLogger(__name__)
RESOURCES_FILE = Path(__file__).with_name("resources.yaml")
VERSION = {
    "major": "1",
    "minor": "37",
    "gitVersion": "v1.37.2",  # what the lab's real control plane reports (the contract tests compare them)
    "gitCommit": "unknown",
    "gitTreeState": "clean",
    "buildDate": "2026-10-27T12:01:04Z",
    "goVersion": "go1.26.8",
    "compiler": "gc",
    "platform": "linux/amd64",
}
PATH = re.compile(
    r"^/(?:api/(?P<core>v1)|apis/(?P<group>[a-z0-9.-]+)/(?P<version>v[0-9a-z]+))"
    r"(?:/namespaces/(?P<namespace>[^/]+)(?=/))?"
    r"(?:/(?P<resource>[a-z]+)(?:/(?P<name>[^/]+)(?:/(?P<subresource>[a-z]+))?)?)?$"
)
ENDPOINTS_DEPRECATED = "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"
IDLE_TIMEOUT_S = 30  # a keep-alive connection nobody uses is closed, so its thread ends


class ApiError(Exception):
    """Answered as a ``Status`` object, the way the API server reports every failure."""

    def __init__(self, code: int, reason: str, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.status = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "details": details or {},
            "code": code,
        }
        if details is None:
            del self.status["details"]


def not_found(resource: str, name: str, group: str) -> ApiError:
    qualified = f"{resource}.{group}" if group else resource
    return ApiError(404, "NotFound", f'{qualified} "{name}" not found', _details(name, group, resource))


def forbidden(verb: str, resource: str, group: str, namespace: str, name: str = "") -> ApiError:
    """What the real RBAC answers the suite's read-only user for a kind it may not read."""
    qualified = f"{resource}.{group}" if group else resource
    subject = f'{qualified} "{name}"' if name else qualified
    where = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
    message = (
        f'{subject} is forbidden: User "{SUITE_USER}" cannot {verb} resource "{resource}" in API group "{group}"'
        + where
    )
    return ApiError(403, "Forbidden", message, _details(name, group, resource))


def _details(name: str, group: str, resource: str) -> dict[str, str]:
    """A Status's details as the API server orders them, empty parts left out."""
    return {key: value for key, value in (("name", name), ("group", group), ("kind", resource)) if value}


#: Kinds the suite's user may not read (the real lab's RBAC grants no Secret): the stand-in says 403 as it does.
FORBIDDEN_KINDS = {"Secret"}
SUITE_USER = "focus-suite"
NO_SUCH_PATH = ApiError(404, "NotFound", "the server could not find the requested resource", {})


class KubeApiServer(ThreadingHTTPServer):
    """Serves ``store`` to clients presenting ``token``; TLS is negotiated in each connection's own thread."""

    daemon_threads = False  # server_close() joins every connection thread: nothing is left behind

    def __init__(self, store: ObjectStore, token: str, ssl_context: ssl.SSLContext) -> None:
        self.store = store
        self.token = token
        self.ssl_context = ssl_context
        self.resources: dict[str, list[dict]] = yaml.safe_load(RESOURCES_FILE.read_text(encoding="utf-8"))
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), ApiHandler)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server_address[1]}"

    def finish_request(self, request: socket.socket, client_address) -> None:
        request.settimeout(IDLE_TIMEOUT_S)
        # Headers and body go out as separate writes; without this, Nagle + delayed ACK add ~40 ms per request.
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            connection = self.ssl_context.wrap_socket(request, server_side=True)
        except OSError as error:  # e.g. a bare TCP probe that connects and hangs up
            LOG.debug("TLS handshake with %s failed: %s", client_address, error)
            return
        with self._lock:
            self._connections.add(connection)
        try:
            ApiHandler(connection, client_address, self)
        finally:
            with self._lock:
                self._connections.discard(connection)
            connection.close()

    def handle_error(self, request, client_address) -> None:
        LOG.debug("connection from %s ended with an error", client_address, exc_info=True)

    def server_close(self) -> None:
        with self._lock:
            for connection in self._connections:
                with contextlib.suppress(OSError):  # already closed by the client
                    connection.shutdown(socket.SHUT_RDWR)  # wakes threads waiting on keep-alive reads
        super().server_close()


class ApiHandler(BaseHTTPRequestHandler):
    server: KubeApiServer
    protocol_version = "HTTP/1.1"
    server_version = "lab-kube-apiserver"
    timeout = IDLE_TIMEOUT_S

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        try:
            self._authenticate()
            self._route(url.path.rstrip("/") or "/", query)
        except ApiError as error:
            self._send_json(error.status["code"], error.status)

    def _method_not_allowed(self) -> None:
        message = f"the stand-in API server is read-only: {self.command} is not supported"
        self._send_json(405, ApiError(405, "MethodNotAllowed", message, {}).status)

    do_POST = do_PUT = do_PATCH = do_DELETE = _method_not_allowed

    def _authenticate(self) -> None:
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        # The scheme is case-insensitive, as kube-apiserver reads it: the client's in-cluster loader sends "bearer".
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), self.server.token.encode()):
            raise ApiError(401, "Unauthorized", "Unauthorized")

    def _route(self, path: str, query: dict[str, str]) -> None:
        if path == "/version":
            return self._send_json(200, VERSION)
        if path == "/api":
            address = f"127.0.0.1:{self.server.server_address[1]}"
            versions = {
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
            }
            return self._send_json(200, versions)
        if path == "/apis":
            return self._send_json(200, self._group_list())
        match = PATH.match(path)
        if not match:
            raise NO_SUCH_PATH
        group = match["group"] or ""
        group_version = f"{group}/{match['version']}" if group else "v1"
        if group_version not in self.server.resources:
            raise NO_SUCH_PATH
        if not match["resource"]:
            if match["namespace"]:
                raise NO_SUCH_PATH
            return self._send_json(200, self._resource_list(group_version))
        self._serve_resource(group, group_version, match.groupdict(), query)

    def _serve_resource(self, group: str, group_version: str, parts: dict, query: dict[str, str]) -> None:
        resource_name = parts["resource"] + (f"/{parts['subresource']}" if parts["subresource"] else "")
        resource = next((r for r in self.server.resources[group_version] if r["name"] == resource_name), None)
        namespace = parts["namespace"] or ""
        if resource is None or (namespace and not resource["namespaced"]):
            raise NO_SUCH_PATH
        if resource["namespaced"] and parts["name"] and not namespace:
            raise NO_SUCH_PATH
        if resource["kind"] in FORBIDDEN_KINDS:
            verb = "get" if parts["name"] else "list"
            raise forbidden(verb, parts["resource"], group, namespace, parts["name"] or "")
        store = self.server.store
        if not parts["name"]:
            try:
                items = store.list(
                    resource["kind"], namespace, query.get("labelSelector", ""), query.get("fieldSelector", "")
                )
            except SelectorError as error:  # the real server's 400 has no details
                raise ApiError(400, "BadRequest", str(error)) from None
            return self._send_objects(resource["kind"], group_version, items, query)
        obj = store.get(resource["kind"], namespace, parts["name"])
        if obj is None:
            raise not_found(parts["resource"], parts["name"], group)
        if parts["subresource"] == "log":
            return self._send_log(obj, query)
        self._send_objects(resource["kind"], group_version, [obj], query, single=True)

    def _send_objects(self, kind: str, group_version: str, items: list[dict], query: dict, single=False) -> None:
        if "as=Table" in self.headers.get("Accept", ""):
            body = table(kind, items, self.server.store.resource_version, query.get("includeObject", "Metadata"))
        elif single:
            body = items[0]
        else:
            # Items of a typed list carry no kind/apiVersion; the list itself does.
            body = {
                "kind": f"{kind}List",
                "apiVersion": group_version,
                "metadata": {"resourceVersion": self.server.store.resource_version},
                "items": [{k: v for k, v in item.items() if k not in ("kind", "apiVersion")} for item in items],
            }
        self._send_json(200, body)

    def _send_log(self, pod: dict, query: dict[str, str]) -> None:
        containers = [c["name"] for c in pod["spec"].get("containers", [])]
        container = query.get("container")
        if container and container not in containers:
            message = f"container {container} is not valid for pod {pod['metadata']['name']}"
            raise ApiError(400, "BadRequest", message, {})
        namespace, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        text = self.server.store.log(namespace, name)
        if query.get("previous") == "true":
            text = self.server.store.previous_log(namespace, name)
            if text is None:  # the kubelet's answer for a container that never restarted
                shown = container or containers[0]
                message = f'previous terminated container "{shown}" in pod "{name}" not found'
                raise ApiError(400, "BadRequest", message, {})
        lines = text.splitlines(True)
        tail = query.get("tailLines")
        if tail is not None:
            if not tail.isdigit():
                raise ApiError(400, "BadRequest", f"tailLines must be a non-negative integer, got {tail!r}", {})
            lines = lines[len(lines) - int(tail) :] if int(tail) else []
        self._send(200, "text/plain", "".join(lines).encode())

    def _group_list(self) -> dict:
        groups = []
        for group_version in self.server.resources:
            if "/" in group_version:
                group, version = group_version.split("/")
                entry = {"groupVersion": group_version, "version": version}
                groups.append({"name": group, "versions": [entry], "preferredVersion": entry})
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    def _resource_list(self, group_version: str) -> dict:
        resources = self.server.resources[group_version]
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}

    def _send_json(self, code: int, body: dict) -> None:
        self._send(code, "application/json", json.dumps(body).encode())

    def _send(self, code: int, content_type: str, payload: bytes) -> None:
        self.send_response(code)
        if "/endpoints" in self.path:  # what kube-apiserver 1.33+ says with every v1 Endpoints answer
            self.send_header("Warning", f'299 - "{ENDPOINTS_DEPRECATED}"')
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args) -> None:
        LOG.debug("%s %s", self.address_string(), format % args)
