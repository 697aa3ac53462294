"""Kubernetes keywords for PZ-13899: cluster connection, namespace, pod health, service and pod logs.

The library talks to the API server with the official ``kubernetes`` client, one ``ApiClient`` per connection
(never the client's global default configuration), and returns plain Python values, never client model objects.
"""

from __future__ import annotations

import fnmatch
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import urllib3
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.config.config_exception import ConfigException
from kubernetes.config.incluster_config import SERVICE_CERT_FILENAME, SERVICE_TOKEN_FILENAME, InClusterConfigLoader
from robot.api import logger
from robot.api.deco import keyword, library

from keywords.common.connections import Connections, OpenedConnection
from keywords.common.endpoint_findings import fail_if_found_not_answering, record_not_answering
from keywords.common.evidence import log_evidence
from keywords.common.measurements import log_measurement
from keywords.common.outcomes import SettingsUnusable
from keywords.common.tcp_probe import TcpProbeError, probe_tcp
from keywords.config.environment_choice import selected_environment_name, settings_of
from keywords.kubernetes.evidence import (
    endpoint_addresses,
    endpoint_lines,
    event_lines,
    pod_lines,
    restarted,
    selector_text,
    unhealthy_pods,
)

LAYER = "Kubernetes API"
PROBE_TIMEOUT_S = 3.0  # a reachable API server accepts TCP at once; waiting longer only delays the verdict
#: Upper bound of each restart class, per the PZ-13899 briefing; above the last one is a crash loop.
RESTART_CLASSES = ((2, "fine"), (5, "acceptable"), (10, "unstable"))
#: Log lines per container in the evidence of an unhealthy pod: enough for the last error, short enough to read.
EVIDENCE_LOG_LINES = 20
#: Names the folder of the service account's ``token`` and ``ca.crt`` for in-cluster credentials, where it is not
#: the kubelet's mount point (a projected volume mounted elsewhere; a test that plays a pod).
SERVICE_ACCOUNT_DIR_VARIABLE = "FOCUS_SERVICE_ACCOUNT_DIR"
DEFAULT_SERVICE_ACCOUNT_DIR = Path(SERVICE_TOKEN_FILENAME).parent

T = TypeVar("T")


# --- plain summaries of API objects (pure functions; the API's JSON form in, plain dicts out) -------------------


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


def _after_target(message: str) -> str:
    """A failure message without its ``Kubernetes API <url>: `` prefix: the evidence block already names both."""
    return message.split(": ", 1)[1] if message.startswith(f"{LAYER} ") else message


@dataclass(frozen=True)
class _NotRead:
    """Why something was not read, as the evidence line says it (a type of its own: a pod's log is text too)."""

    line: str


def _read_for_evidence(deadline: float, read: Callable[[], T]) -> T | _NotRead:
    """What ``read`` returns, or why it was not read: evidence never fails a test."""
    if time.monotonic() > deadline:
        return _NotRead("not read: the evidence's time budget is spent")
    try:
        return read()
    except AssertionError as error:
        return _NotRead(f"not read: {_after_target(str(error))}")


class _Missing(Exception):
    """The object asked for with ``missing_ok`` does not exist (404)."""


# --- connections ---------------------------------------------------------------------------------------------


@dataclass
class KubernetesConnection:
    """One environment's API client and its settings."""

    settings: dict[str, Any]
    api_client: k8s.ApiClient
    #: How it authenticates (see ``_described_credentials``): a 401 names them.
    credentials: str = ""
    closed: bool = False

    @property
    def url(self) -> str:
        return self.api_client.configuration.host

    @property
    def timeout_s(self) -> float:
        return self.settings["request_timeout_s"]

    def close(self) -> None:
        if not self.closed:
            self.api_client.close()
            self.closed = True


def api_address(url: str) -> tuple[str, int]:
    """Host and port of an API server URL (the port its scheme implies when it has none)."""
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


def endpoint_of(url: str) -> str:
    """``host:port`` of an API server URL, as endpoint findings name it."""
    host, port = api_address(url)
    return f"{host}:{port}"


def api_server_url(settings: dict[str, Any]) -> str:
    """The API server URL the environment's ``kubernetes`` settings lead to (its kubeconfig's, where used)."""
    return _client_configuration(_choose_credentials(settings)[0], settings).host


def service_account_files() -> tuple[Path, Path]:
    """The pod's service account token and CA: in ``$FOCUS_SERVICE_ACCOUNT_DIR``, by default where the kubelet
    mounts them (``/var/run/secrets/kubernetes.io/serviceaccount``)."""
    folder = Path(os.environ.get(SERVICE_ACCOUNT_DIR_VARIABLE) or DEFAULT_SERVICE_ACCOUNT_DIR)
    return folder / Path(SERVICE_TOKEN_FILENAME).name, folder / Path(SERVICE_CERT_FILENAME).name


def _choose_credentials(settings: dict[str, Any]) -> tuple[str, str]:
    """(method, why): explicit settings win over detection; detection wins over the default kubeconfig."""
    if settings["in_cluster"]:
        return "in-cluster", "kubernetes.in_cluster is true"
    if settings["kubeconfig"] or settings["context"]:
        return "kubeconfig", "kubernetes.kubeconfig/context is configured"
    if settings["api_server"] and settings["token"]:
        return "token", "kubernetes.api_server and kubernetes.token are configured"
    if os.environ.get("KUBERNETES_SERVICE_HOST") and service_account_files()[0].is_file():
        return "in-cluster", "running in a pod (service account token found)"
    return "kubeconfig", "nothing configured: the default kubeconfig ($KUBECONFIG or ~/.kube/config)"


def _described_credentials(method: str, settings: dict[str, Any]) -> str:
    """The credentials as the log and a rejection name them: which files, never a secret."""
    if method == "in-cluster":
        token, ca = service_account_files()
        return f"in-cluster service account token {token}, CA {ca}"
    if method == "kubeconfig":
        return f"kubeconfig {settings['kubeconfig'] or '(default)'}, context {settings['context'] or '(current)'}"
    return "kubernetes.token"


def _load_failure(method: str, described: str, error: Exception) -> str:
    """Why the credentials could not be loaded. The client's in-cluster messages ("Service host/port is not set.",
    "Service token file does not exist.") name neither the variables nor the files; this does."""
    where = " for the API at $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT" if method == "in-cluster" else ""
    return f"cannot load {described}{where}: {error}"


def _client_configuration(method: str, settings: dict[str, Any]) -> k8s.Configuration:
    configuration = k8s.Configuration()
    if method == "in-cluster":
        # The client's load_incluster_config reads fixed paths; its loader takes them, so the folder can move.
        token, ca = service_account_files()
        InClusterConfigLoader(token_filename=str(token), cert_filename=str(ca)).load_and_set(configuration)
    elif method == "kubeconfig":
        k8s_config.load_kube_config(
            config_file=settings["kubeconfig"],
            context=settings["context"],
            client_configuration=configuration,
            persist_config=False,
        )
    else:
        configuration.host = settings["api_server"]
        configuration.api_key = {"authorization": settings["token"].value}
        configuration.api_key_prefix = {"authorization": "Bearer"}
        configuration.ssl_ca_cert = settings["ca_file"]
    configuration.verify_ssl = settings["verify_tls"]
    configuration.retries = False  # one attempt: a retried timeout would multiply request_timeout_s
    return configuration


def _files_should_exist(settings: dict[str, Any], method: str, environment: str) -> None:
    """A kubeconfig or CA file the settings name must be there: otherwise the cluster was not checked."""
    named = {"kubernetes.ca_file": settings["ca_file"] if method == "token" else None}
    if method == "kubeconfig" and settings["kubeconfig"]:
        named["kubernetes.kubeconfig"] = settings["kubeconfig"]
    for key, path in named.items():
        if path and not Path(path).expanduser().is_file():
            raise SettingsUnusable(
                LAYER, f"environment '{environment}': {key} {Path(path).expanduser()} does not exist"
            )


def _api_exception_cause(error: k8s.ApiException, verb: str, target: str) -> str:
    try:
        message = json.loads(error.body or "{}").get("message", "")
    except ValueError:
        message = ""
    if error.status == 401:
        return "unauthorized (401): the token/credentials were rejected"
    if error.status == 403:
        return f"forbidden (403): not allowed to {verb} {target}" + (f" ({message})" if message else "")
    if error.status == 404:
        return f"not found (404): {message or target}"
    if error.status == 0:  # the client reports TLS failures (e.g. an untrusted certificate) this way
        return f"TLS failure: {(error.reason or '').replace(chr(10), ': ')}"
    return f"HTTP {error.status} {error.reason}" + (f": {message}" if message else "")


def _transport_cause(error: BaseException, timeout_s: float) -> str:
    chain: list[BaseException] = []
    while error is not None and error not in chain:
        chain.append(error)
        error = error.__cause__ or error.__context__ or getattr(error, "reason", None)
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "connection refused"
    if any(isinstance(e, (urllib3.exceptions.TimeoutError, TimeoutError)) for e in chain):
        return f"timed out after {timeout_s:g} s (request_timeout_s)"
    return f"{type(chain[0]).__name__}: {chain[0]}"


@library(scope="SUITE")
class KubernetesLibrary:
    """Checks a Kubernetes cluster the way PZ-13899 specifies: connection, cluster version, namespace,
    pod phase/readiness/restarts, the Focus Server service, and pod logs.

    Settings come from the ``kubernetes`` section of an environment in the environments file (see
    ``keywords/config/environments.py``); keyword arguments left empty take their value from there.

    Credentials, in order: ``in_cluster: true``; ``kubeconfig``/``context``; ``api_server`` + ``token``
    (+ ``ca_file``); a detected in-cluster service account; the default kubeconfig. TLS is verified
    unless the environment sets ``verify_tls: false`` (logged as a warning).

    In-cluster credentials are the pod's: the API at ``https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT``,
    the service account's ``token`` and ``ca.crt`` in ``/var/run/secrets/kubernetes.io/serviceaccount``, or in the
    folder the environment variable ``FOCUS_SERVICE_ACCOUNT_DIR`` names (a token projected elsewhere). The token
    file is read again every minute, as the kubelet rotates it. The log names the files used, and so does a
    rejected token (401).

    Every failure is an assertion naming the layer (Kubernetes API), the API URL, the namespace, pod or
    service, and the cause (unreachable, unauthorized, forbidden, not found, or the unhealthy state).
    Unusable settings (an invalid section, a kubeconfig or CA file that is not there, a kubeconfig that
    points at another cluster than ``api_server``) fail as "not checked", never as a cluster failure.

    = Connections =

    Connections are kept by alias; the last one opened is the current one, `Switch Kubernetes Connection`
    changes it and `Close All Kubernetes Connections` closes them (the same model as the MongoDB and SSH
    libraries). A keyword used before `Connect To Kubernetes` raises ``RuntimeError``: it never connects
    by itself. The scope is SUITE: each suite opens its own connection and closes it in its teardown, so
    suites stay independent when pabot runs them in parallel.

    Example:
    | ***** Settings *****
    | Library           keywords.kubernetes.library.KubernetesLibrary
    | Suite Setup       Connect To Kubernetes
    | Suite Teardown    Close All Kubernetes Connections
    |
    | ***** Test Cases *****
    | Focus Server Pods Are Healthy
    |     ${pods} =    Pods Matching Should Number At Least
    |     Pods Should Be Running    ${pods}
    |     Pods Should Be Ready    ${pods}
    |     Pod Restarts Should Be Below    pods=${pods}
    """

    def __init__(self, environment: str | None = None) -> None:
        """``environment`` names the environment whose ``kubernetes`` section is used (default: ``${ENV}``)."""
        self.environment = environment
        self._connections: Connections[KubernetesConnection] = Connections(LAYER, "Connect To Kubernetes")

    # --- connection -----------------------------------------------------------------------------------------

    @keyword
    def connect_to_kubernetes(self, alias: str = "default", environment: str | None = None) -> OpenedConnection:
        """Opens a connection as ``alias`` to the Kubernetes API of ``environment`` (default: the library's).

        The same arguments as every library's connect keyword: ``alias``, then ``environment``.

        Loads the environment's ``kubernetes`` section, chooses the credentials (and logs which and why; for
        in-cluster credentials, the token and CA files, see ``FOCUS_SERVICE_ACCOUNT_DIR`` in the introduction),
        creates an API client of its own, and probes TCP to the API server, so that an unreachable server
        fails here, at once, with the reason (connection refused, timeout, DNS failure, no route).
        The new connection is kept as ``alias`` (replacing one of that name) and becomes the current one;
        it is returned with its ``index``, ``alias``, ``target`` (the API URL) and ``seconds``.

        | ${connection}=             | `Connect To Kubernetes` |             |
        | `Connect To Kubernetes`    | alias=prod              | environment=new_production |
        """
        started = time.monotonic()
        name = environment or self.environment or selected_environment_name()
        settings = settings_of("kubernetes", name)
        method, why = _choose_credentials(settings)
        _files_should_exist(settings, method, name)
        described = _described_credentials(method, settings)
        try:
            configuration = _client_configuration(method, settings)
        except (ConfigException, OSError) as error:
            raise SettingsUnusable(LAYER, f"environment '{name}': {_load_failure(method, described, error)}") from None
        logger.info(f"{LAYER} {configuration.host}: credentials {described} - chosen because {why}")
        if not settings["verify_tls"]:
            logger.warn(
                f"{LAYER} {configuration.host}: TLS verification is OFF for environment '{name}' "
                "(kubernetes.verify_tls: false)"
            )
        if method == "kubeconfig" and settings["api_server"] and settings["api_server"] != configuration.host:
            # Checking another cluster than the one named would pass or fail for the wrong reasons.
            raise SettingsUnusable(
                LAYER,
                f"the kubeconfig context points at {configuration.host}, "
                f"but environment '{name}' expects kubernetes.api_server {settings['api_server']}",
            )
        self._probe(configuration.host, settings["request_timeout_s"])
        connection = KubernetesConnection(settings, k8s.ApiClient(configuration), described)
        index = self._connections.register(connection, alias)
        return OpenedConnection(index, alias, connection.url, time.monotonic() - started)

    @keyword
    def switch_kubernetes_connection(self, alias: str) -> None:
        """Makes the connection opened as ``alias`` the current one; ``RuntimeError`` if there is none.

        | `Switch Kubernetes Connection` | prod |
        """
        self._connections.switch(alias)

    @keyword
    def close_all_kubernetes_connections(self) -> None:
        """Closes every connection this library opened; safe to call when none is open (e.g. in teardown).

        | `Close All Kubernetes Connections` |
        """
        logger.info(f"{LAYER}: closed {self._connections.close_all()} connection(s)")

    # --- cluster and namespace ------------------------------------------------------------------------------

    @keyword
    def get_cluster_version(self) -> str:
        """Returns the API server's ``gitVersion``, e.g. ``v1.37.2``.

        | ${version} = | `Get Cluster Version` |
        | Should Start With | ${version} | v1.37 |
        """
        connection = self._connection()
        info = self._call_json("get", "the server version", k8s.VersionApi(connection.api_client).get_code)
        logger.info(f"{LAYER} {connection.url}: Kubernetes {info['gitVersion']} ({info['platform']})")
        return info["gitVersion"]

    @keyword
    def get_namespaces(self) -> list[str]:
        """Returns the names of all namespaces.

        | ${names} = | `Get Namespaces` |
        """
        core = k8s.CoreV1Api(self._connection().api_client)
        namespaces = self._call_json("list", "namespaces", core.list_namespace)["items"]
        return [namespace["metadata"]["name"] for namespace in namespaces]

    @keyword
    def namespace_should_exist(self, namespace: str | None = None) -> None:
        """Fails unless ``namespace`` (default: the configured ``namespace``) is among the cluster's namespaces.

        | `Namespace Should Exist` |       |
        | `Namespace Should Exist` | panda |
        """
        namespace = namespace or self._connection().settings["namespace"]
        names = self.get_namespaces()
        if namespace not in names:
            raise AssertionError(
                f"{self._where()}: namespace '{namespace}' not found; namespaces present: {', '.join(names)}"
            )
        logger.info(f"{self._where()}: namespace '{namespace}' exists")

    # --- pods -----------------------------------------------------------------------------------------------

    @keyword
    def get_pods_matching(
        self, pattern: str | None = None, namespace: str | None = None, label_selector: str | None = None
    ) -> list[dict]:
        """Returns the pods of ``namespace`` whose name matches the glob ``pattern``, as plain dictionaries.

        Defaults come from the configuration: ``pod_pattern``, ``namespace`` and ``label_selector``.
        Each pod is ``{name, namespace, node, phase, reason, ready, conditions, restarts, containers}``;
        ``conditions`` is a list of ``{type, status, reason, message}``; ``restarts`` is the total over
        the containers; each container is ``{name, ready, restart_count, state, state_reason,
        last_termination_reason, last_termination}`` (``state`` is ``running``, ``waiting`` or ``terminated``;
        ``last_termination`` is ``{reason, exit_code, finished_at}`` or ``None``).

        | ${pods} = | `Get Pods Matching` |                            |                       |
        | ${pods} = | `Get Pods Matching` | panda-panda-focus-server-* | namespace=panda       |
        | ${pods} = | `Get Pods Matching` | *                          | label_selector=app=db |
        """
        connection = self._connection()
        settings = connection.settings
        pattern = pattern or settings["pod_pattern"]
        namespace = namespace or settings["namespace"]
        selector = label_selector or settings["label_selector"] or ""
        core = k8s.CoreV1Api(connection.api_client)
        # The API's JSON as it came: building the client's model objects, then turning them back into the same
        # dictionaries, cost more than the request itself (bench: keyword overhead).
        pods = self._call_json(
            "list", f"pods in namespace '{namespace}'", core.list_namespaced_pod, namespace, label_selector=selector
        )["items"]
        matching = [summarize_pod(pod) for pod in pods if fnmatch.fnmatchcase(pod["metadata"]["name"], pattern)]
        logger.info(
            f"{self._where(namespace)}: {len(matching)} of {len(pods)} pods match '{pattern}'"
            + "".join(f"\n  {describe_pod(pod)}" for pod in matching)
        )
        return matching

    @keyword
    def pods_matching_should_number_at_least(
        self, minimum: int | None = None, pattern: str | None = None, namespace: str | None = None
    ) -> list[dict]:
        """Fails if fewer than ``minimum`` (default ``min_pods``) pods match ``pattern``; returns the pods.

        | ${pods} = | `Pods Matching Should Number At Least` |   |                            |
        | ${pods} = | `Pods Matching Should Number At Least` | 2 | panda-panda-focus-server-* |
        """
        settings = self._connection().settings
        minimum = settings["min_pods"] if minimum is None else minimum
        pattern = pattern or settings["pod_pattern"]
        namespace = namespace or settings["namespace"]
        pods = self.get_pods_matching(pattern, namespace)
        if len(pods) < minimum:
            raise AssertionError(
                f"{self._where(namespace)}: {len(pods)} pod(s) match '{pattern}', at least {minimum} expected"
            )
        return pods

    @keyword
    def pods_should_be_running(self, pods: list[dict] | None = None) -> None:
        """Fails unless every pod's phase is ``Running``; the message names each other pod and why.

        ``pods`` is what `Get Pods Matching` returned; by default the configured pods are listed now.

        | `Pods Should Be Running` | ${pods} |
        """
        pods = self._pods(pods)
        failing = [pod for pod in pods if pod["phase"] != "Running"]
        self._fail_for(failing, f"{len(failing)} of {len(pods)} pod(s) not Running")
        logger.info(f"{self._where()}: all {len(pods)} pod(s) Running")

    @keyword
    def pods_should_be_ready(self, pods: list[dict] | None = None) -> None:
        """Fails unless every pod's ``Ready`` condition is ``True``.

        A pod can be Running but not Ready (e.g. still loading); its Service then sends it no traffic,
        so that is a failure. The message names the pod, the False conditions with reason and message,
        and each container's state, restarts and last termination reason.

        | `Pods Should Be Ready` | ${pods} |
        """
        pods = self._pods(pods)
        failing = [pod for pod in pods if not pod["ready"]]
        self._fail_for(failing, f"{len(failing)} of {len(pods)} pod(s) not Ready")
        logger.info(f"{self._where()}: all {len(pods)} pod(s) Ready")

    @keyword
    def pod_restarts_should_be_below(self, maximum: int | None = None, pods: list[dict] | None = None) -> None:
        """Fails if a pod's total container restart count is ``maximum`` (default ``max_restarts``) or more.

        Each pod's count is logged with its class: 0-2 fine, 3-5 acceptable, 6-10 unstable, > 10 crash loop.

        | `Pod Restarts Should Be Below` |   | pods=${pods} |
        | `Pod Restarts Should Be Below` | 3 | pods=${pods} |
        """
        maximum = self._connection().settings["max_restarts"] if maximum is None else maximum
        pods = self._pods(pods)
        for pod in pods:
            logger.info(f"pod {pod['name']}: {pod['restarts']} restarts ({classify_restarts(pod['restarts'])})")
        restarts = [pod["restarts"] for pod in pods]
        log_measurement("kubernetes.pod_restarts", {"total": sum(restarts), "max": max(restarts), "pods": len(pods)})
        failing = [pod for pod in pods if pod["restarts"] >= maximum]
        self._fail_for(
            failing,
            f"{len(failing)} pod(s) restarted {maximum} times or more",
            lambda pod: f"{describe_pod(pod)} => {pod['restarts']} in total ({classify_restarts(pod['restarts'])})",
        )

    # --- services -------------------------------------------------------------------------------------------

    @keyword
    def service_should_exist(self, name: str | None = None, namespace: str | None = None) -> dict:
        """Fails unless service ``name`` (default: the configured ``service.name``) exists; returns it.

        The returned dictionary is ``{name, namespace, type, cluster_ip, ports, selector}``.

        | ${service} = | `Service Should Exist` |                          |
        | ${service} = | `Service Should Exist` | panda-panda-focus-server |
        """
        connection = self._connection()
        name = name or self._expected_service().get("name")
        namespace = namespace or connection.settings["namespace"]
        if not name:
            raise SettingsUnusable(LAYER, "no service name given or configured (kubernetes.service.name)")
        core = k8s.CoreV1Api(connection.api_client)
        services = self._call_json(
            "list", f"services in namespace '{namespace}'", core.list_namespaced_service, namespace
        )["items"]
        found = {service["metadata"]["name"]: service for service in services}
        if name not in found:
            raise AssertionError(
                f"{self._where(namespace)}: service '{name}' not found; services present: {', '.join(found) or 'none'}"
            )
        service = summarize_service(found[name])
        logger.info(f"{self._where(namespace)}: service {service}")
        return service

    @keyword
    def service_should_match(
        self,
        name: str | None = None,
        type: str | None = None,
        cluster_ip: str | None = None,
        port: int | None = None,
        namespace: str | None = None,
    ) -> None:
        """Fails unless the service has the expected ``type``, ``cluster_ip`` and ``port``.

        Expected values default to the configured ``service`` section; one left empty there is not checked.
        The message lists every mismatch as expected vs actual; where the service routes to (its selector,
        endpoints and selected pods) is logged as evidence.

        | `Service Should Match` |                          |                |                         |           |
        | `Service Should Match` | panda-panda-focus-server | type=ClusterIP | cluster_ip=10.43.103.101 | port=5000 |
        """
        configured = self._expected_service()
        expected = {
            "type": type or configured.get("type"),
            "cluster_ip": cluster_ip or configured.get("cluster_ip"),
            "port": port if port is not None else configured.get("port"),
        }
        service = self.service_should_exist(name, namespace)
        mismatches = [
            f"{key} expected {value}, actual {service[key]}"
            for key, value in expected.items()
            if key != "port" and value is not None and service[key] != value
        ]
        if expected["port"] is not None and expected["port"] not in service["ports"]:
            mismatches.append(f"port expected {expected['port']}, actual {service['ports']}")
        if mismatches:
            try:  # evidence: where the service routes to; reading it must not replace the mismatch
                self._log_service_evidence(service, *self._service_routing(service))
            except AssertionError as error:
                log_evidence(f"{LAYER} service {service['namespace']}/{service['name']}", [f"not read: {error}"])
            raise AssertionError(
                f"{self._where(service['namespace'])}: service '{service['name']}' does not "
                f"match: {'; '.join(mismatches)}"
            )

    @keyword
    def service_should_have_ready_endpoints(self, name: str | None = None, namespace: str | None = None) -> list[str]:
        """Fails unless the service's endpoints hold at least one ready address; returns the ready addresses.

        A service whose selector matches no ready pod sends its clients nowhere, whatever its type, ClusterIP and
        port. The message names the selector and whether it matches no pod at all or only pods that are not
        Ready; the endpoints (ready and not-ready addresses) and the matching pods are logged as evidence.

        | `Service Should Have Ready Endpoints` |                          |
        | `Service Should Have Ready Endpoints` | panda-panda-focus-server |
        """
        service = self.service_should_exist(name, namespace)
        where, selector = self._where(service["namespace"]), selector_text(service["selector"])
        endpoints, pods = self._service_routing(service)
        ready, _ = endpoint_addresses(endpoints)
        if ready:
            logger.info(f"{where}: service '{service['name']}' has {len(ready)} ready endpoint(s): {', '.join(ready)}")
            return ready
        self._log_service_evidence(service, endpoints, pods)
        if not service["selector"]:
            why = "it has no selector and no ready address was set for it"
        elif not pods:
            why = f"its selector {selector} matches no pod"
        else:
            why = f"its selector {selector} matches {len(pods)} pod(s), none of them Ready"
        raise AssertionError(f"{where}: service '{service['name']}' has no ready endpoint: {why}")

    @keyword
    def log_evidence_of_unhealthy_pods(self, pods: list[dict] | None = None) -> list[str]:
        """Logs first-response evidence for each pod the pod checks fail for; returns those pods' names.

        For each pod that is not Running, not Ready, or restarted ``max_restarts`` times or more: the node it runs
        on and each container's last termination (reason, exit code), its recent events (Warning first), the last
        lines of its log and, for a container that restarted, of the **previous** container's log - what
        ``kubectl describe``, ``kubectl get events`` and ``kubectl logs --previous`` would show. Read-only;
        each call is bounded by ``request_timeout_s`` and all of them by twice that. What cannot be read
        (e.g. events not permitted) is said in the block; collecting evidence never fails a test.

        | `Log Evidence Of Unhealthy Pods` | ${pods} |
        """
        connection = self._connection()
        deadline = time.monotonic() + 2 * connection.timeout_s
        failing = unhealthy_pods(self._pods(pods), connection.settings["max_restarts"])
        for pod in failing:
            namespace = pod["namespace"] or connection.settings["namespace"]
            lines = pod_lines(pod)
            lines += ["events:", *(f"  {line}" for line in self._event_lines(pod["name"], namespace, deadline))]
            for container in pod["containers"]:
                # The previous container's log first: it is the one that ended, and says why.
                if container["name"] in restarted(pod):
                    lines += self._log_lines(pod["name"], namespace, container["name"], True, deadline)
                lines += self._log_lines(pod["name"], namespace, container["name"], False, deadline)
            log_evidence(f"{LAYER} pod {namespace}/{pod['name']}", lines)
        return [pod["name"] for pod in failing]

    # --- logs -----------------------------------------------------------------------------------------------

    @keyword
    def get_pod_log_lines(self, lines: int | None = None, pods: list[dict] | None = None) -> dict[str, list[str]]:
        """Returns the last ``lines`` (default ``log_lines``) log lines of each pod: ``{pod name: [lines]}``.

        | ${logs} = | `Get Pod Log Lines` |    | pods=${pods} |
        | ${logs} = | `Get Pod Log Lines` | 20 |              |
        """
        connection = self._connection()
        lines = connection.settings["log_lines"] if lines is None else lines
        core = k8s.CoreV1Api(connection.api_client)
        logs = {}
        for pod in self._pods(pods):
            namespace = pod["namespace"] or connection.settings["namespace"]
            text = self._call(
                "read",
                f"the log of pod {namespace}/{pod['name']}",
                core.read_namespaced_pod_log,
                pod["name"],
                namespace,
                tail_lines=lines,
            )
            logs[pod["name"]] = text.splitlines()
            logger.info(f"pod {pod['name']}: read the last {len(logs[pod['name']])} log line(s)")
            # Application logs may carry secrets of their own: shown only with --loglevel DEBUG.
            logger.debug(text)
        return logs

    @keyword
    def pod_logs_should_be_readable(self, lines: int | None = None, pods: list[dict] | None = None) -> dict:
        """Reads the last ``lines`` of each pod's log (see `Get Pod Log Lines`) and fails for a pod whose log is empty.

        A Focus Server pod that is running writes to its log; an empty one means the container wrote nothing
        or the log is not reachable through the API. Returns ``{pod name: [lines]}``.

        | `Pod Logs Should Be Readable` | pods=${pods} |
        """
        logs = self.get_pod_log_lines(lines, pods)
        empty = [name for name, log_lines in logs.items() if not log_lines]
        if empty:
            raise AssertionError(
                f"{self._where()}: the log of {len(empty)} of {len(logs)} pod(s) is empty: {', '.join(empty)}"
            )
        return logs

    # --- helpers --------------------------------------------------------------------------------------------

    def _connection(self) -> KubernetesConnection:
        return self._connections.get()

    def _where(self, namespace: str | None = None) -> str:
        connection = self._connection()
        return f"{LAYER} {connection.url}, namespace '{namespace or connection.settings['namespace']}'"

    def _probe(self, url: str, timeout_s: float) -> None:
        fail_if_found_not_answering(endpoint_of(url), f"{LAYER} {url} unreachable")
        try:
            probe_tcp(*api_address(url), min(PROBE_TIMEOUT_S, timeout_s))
        except TcpProbeError as error:
            raise AssertionError(f"{LAYER} {url} unreachable: {error.reason}") from None

    def _call(
        self, verb: str, target: str, function: Callable[..., T], *args: Any, missing_ok: bool = False, **kwargs: Any
    ) -> T:
        """Calls the API with the configured timeout and turns every failure into an assertion naming the cause;
        with ``missing_ok`` a 404 raises :class:`_Missing` instead."""
        connection = self._connection()
        try:
            return function(*args, _request_timeout=connection.timeout_s, **kwargs)
        except k8s.ApiException as error:
            if missing_ok and error.status == 404:
                raise _Missing(target) from None
            cause = _api_exception_cause(error, verb, target)
            if error.status == 401 and connection.credentials:
                cause += f" (credentials: {connection.credentials})"
        except urllib3.exceptions.HTTPError as error:
            cause = _transport_cause(error, connection.timeout_s)
            if cause.startswith("timed out"):
                record_not_answering(endpoint_of(connection.url), f"no answer to {verb} {target} in time: {cause}")
        raise AssertionError(f"{LAYER} {connection.url}: {verb} {target} failed: {cause}")

    def _call_json(
        self, verb: str, target: str, function: Callable[..., Any], *args: Any, missing_ok=False, **kwargs: Any
    ) -> Any:
        """The API's JSON answer as it came (no client model objects); ``None`` for a 404 when ``missing_ok``."""
        try:
            answer = self._call(verb, target, function, *args, _preload_content=False, missing_ok=missing_ok, **kwargs)
        except _Missing:
            return None
        return json.loads(answer.data)

    def _service_routing(self, service: dict) -> tuple[dict | None, list[dict]]:
        """The service's Endpoints object (``None`` when there is none) and the pods its selector matches."""
        core = k8s.CoreV1Api(self._connection().api_client)
        endpoints = self._call_json(
            "read",
            f"the endpoints of service {service['namespace']}/{service['name']}",
            core.read_namespaced_endpoints,
            service["name"],
            service["namespace"],
            missing_ok=True,
        )
        return endpoints, self._pods_selected_by(service) if service["selector"] else []

    @staticmethod
    def _log_service_evidence(service: dict, endpoints: dict | None, pods: list[dict]) -> None:
        log_evidence(
            f"{LAYER} service {service['namespace']}/{service['name']}",
            endpoint_lines(service["name"], selector_text(service["selector"]), endpoints, pods),
        )

    def _pods_selected_by(self, service: dict) -> list[dict]:
        """The pods the service's selector matches, selected by the API server as its endpoints controller does."""
        core = k8s.CoreV1Api(self._connection().api_client)
        where = f"{service['namespace']}/{service['name']}"
        answer = self._call_json(
            "list",
            f"pods selected by service {where}",
            core.list_namespaced_pod,
            service["namespace"],
            label_selector=selector_text(service["selector"]),
        )
        return [summarize_pod(pod) for pod in answer["items"]]

    def _event_lines(self, pod: str, namespace: str, deadline: float) -> list[str]:
        core = k8s.CoreV1Api(self._connection().api_client)
        answer = _read_for_evidence(
            deadline,
            lambda: self._call_json(
                "list",
                f"events of pod {namespace}/{pod}",
                core.list_namespaced_event,
                namespace,
                field_selector=f"involvedObject.name={pod}",
            ),
        )
        return [answer.line] if isinstance(answer, _NotRead) else event_lines(answer["items"])

    def _log_lines(self, pod: str, namespace: str, container: str, previous: bool, deadline: float) -> list[str]:
        which = "previous container's log" if previous else "log"
        core = k8s.CoreV1Api(self._connection().api_client)
        answer = _read_for_evidence(
            deadline,
            lambda: self._call(
                "read",
                f"the {which} of pod {namespace}/{pod}",
                core.read_namespaced_pod_log,
                pod,
                namespace,
                container=container,
                previous=previous,
                tail_lines=EVIDENCE_LOG_LINES,
            ),
        )
        lines = [answer.line] if isinstance(answer, _NotRead) else answer.splitlines() or ["(empty)"]
        return [
            f"last {EVIDENCE_LOG_LINES} lines of container {container}'s {which}:",
            *(f"  {line}" for line in lines),
        ]

    def _pods(self, pods: list[dict] | None) -> list[dict]:
        pods = self.get_pods_matching() if pods is None else pods
        if not pods:
            raise AssertionError(f"{self._where()}: no pods to check (none matched)")
        return pods

    def _fail_for(self, failing: list[dict], summary: str, describe: Callable[[dict], str] = describe_pod) -> None:
        if failing:
            namespace = failing[0]["namespace"] or None
            # One pod fits the first line, which is all a report's summary shows; several get a line each.
            separator = " " if len(failing) == 1 else "\n  "
            details = "".join(f"{separator}{describe(pod)}" for pod in failing)
            raise AssertionError(f"{self._where(namespace)}: {summary}:{details}")

    def _expected_service(self) -> dict[str, Any]:
        return self._connection().settings["service"] or {}
