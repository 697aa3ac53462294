"""Kubernetes keywords for PZ-13899: cluster connection, namespace, pod health, service and pod logs.

The library talks to the API server with the official ``kubernetes`` client, one ``ApiClient`` per connection
(never the client's global default configuration), and returns plain Python values, never client model objects.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
from robot.utils import DotDict

from keywords.common.connections import Connections, OpenedConnection
from keywords.common.endpoint_findings import fail_if_found_not_answering, record_not_answering
from keywords.common.evidence import log_evidence
from keywords.common.measurements import log_measurement
from keywords.common.outcomes import SettingsUnusable
from keywords.common.redaction import redact
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
from keywords.kubernetes.failures import ApiCallFailed, _api_exception_cause, _transport_cause
from keywords.kubernetes.objects import (
    CORE,
    Resource,
    find_resource,
    group_versions_to_search,
    name_matches,
    object_line,
    parse_api_version,
    parse_kind,
    resources_of,
    returned_object,
)
from keywords.kubernetes.pods import classify_restarts, describe_pod, summarize_pod, summarize_service
from keywords.kubernetes.waiting import TimedOut, Unsettled, wait_until
from keywords.kubernetes.workloads import (
    JOB_KINDS,
    ROLLOUT_KINDS,
    condition_lines,
    configmap_keys,
    configmap_value,
    cronjob_line,
    cronjob_problems,
    event_text,
    job_problems,
    kind_of,
    newest_warning,
    node_problems,
    rollout_state,
    seconds,
    since_moment,
    top_reasons,
    utc_text,
    warnings_since,
)

LAYER = "Kubernetes API"
PROBE_TIMEOUT_S = 3.0  # a reachable API server accepts TCP at once; waiting longer only delays the verdict
#: Log lines per container in the evidence of an unhealthy pod: enough for the last error, short enough to read.
EVIDENCE_LOG_LINES = 20
#: Names the folder of the service account's ``token`` and ``ca.crt`` for in-cluster credentials, where it is not
#: the kubelet's mount point (a projected volume mounted elsewhere; a test that plays a pod).
SERVICE_ACCOUNT_DIR_VARIABLE = "FOCUS_SERVICE_ACCOUNT_DIR"
DEFAULT_SERVICE_ACCOUNT_DIR = Path(SERVICE_TOKEN_FILENAME).parent
#: The shortest request timeout a wait gives its last call before the deadline (the client refuses 0).
MIN_REQUEST_TIMEOUT_S = 0.05

T = TypeVar("T")


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


def _failure(message: str) -> AssertionError:
    """A verification's failure, redacted like every message the run writes."""
    return AssertionError(redact(message))


def _required(value: str | None, argument: str) -> str:
    if value is None or not str(value).strip():
        raise ValueError(f"{argument} must not be empty")
    return str(value).strip()


# --- connections ---------------------------------------------------------------------------------------------


@dataclass
class KubernetesConnection:
    """One environment's API client and its settings."""

    settings: dict[str, Any]
    api_client: k8s.ApiClient
    #: How it authenticates (see ``_described_credentials``): a 401 names them.
    credentials: str = ""
    closed: bool = False
    #: The discovery documents read so far (``/apis``, ``/api/v1``, ``/apis/apps/v1``), by path.
    discovery: dict[str, Any] = field(default_factory=dict)

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


@library(scope="SUITE")
class KubernetesLibrary:
    """Checks a Kubernetes cluster the way PZ-13899 specifies: connection, cluster version, namespace,
    pod phase/readiness/restarts, the Focus Server service, and pod logs; and, for the next cases, any object
    read by kind, workload rollouts, nodes, volumes, events, ConfigMaps, Jobs, and bounded waits.

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

    = Any object =

    `Get Kubernetes Object` and `List Kubernetes Objects` read any kind the API serves, named as kubectl names
    it (``Deployment``, ``deployments``, ``deploy``, ``deployments.apps``); the API's discovery resolves the
    name once per connection. They return the API's JSON as ``DotDict`` (``${deployment.status.readyReplicas}``),
    never a Secret's values: only its metadata and key names. Read-only: the suite's RBAC needs ``get`` and
    ``list`` on the kinds it reads, and a 403 names the permission missing.

    = Workloads, nodes, volumes, events, ConfigMaps, Jobs =

    `Workload Should Be Rolled Out` (and `Deployment Should Be Available`), `Nodes Should Be Ready`,
    `Persistent Volume Claim Should Be Bound`, `No Warning Events Should Exist`, `ConfigMap Value Should Be`,
    `ConfigMap Value Should Match` and `Last Job Should Have Succeeded Within` fail with what is wrong in their
    first line and log the object's conditions and newest events as evidence.

    = Waiting =

    `Workload Should Be Rolled Out Within`, `Pods Should Be Ready Within` and
    `Service Should Have Ready Endpoints Within` poll until their check passes, for at most ``timeout``
    (default ``kubernetes.wait_timeout_s``, 120 s), every ``poll`` (default ``kubernetes.wait_poll_s``, 2 s):
    both are Robot time strings (``90 s``, ``2 min``). A console line says each change of the observed state.
    On timeout the failure's first line is the last state observed, e.g. ``... Deployment panda/x still not rolled
    out after 120 s: 1 of 3 replicas updated, 2 ready, 2 available; ...``, never a bare timeout. No API call
    outlasts the deadline; a refused read (401, 403) ends the wait at once.

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
    |
    | Focus Server Is Rolled Out After A Deploy
    |     Workload Should Be Rolled Out Within    panda-panda-focus-server    timeout=2 min
    |     ${deployment} =    Get Kubernetes Object    deploy    panda-panda-focus-server
    |     Should Be Equal As Integers    ${deployment.status.readyReplicas}    ${deployment.spec.replicas}
    """

    def __init__(self, environment: str | None = None) -> None:
        """``environment`` names the environment whose ``kubernetes`` section is used (default: ``${ENV}``)."""
        self.environment = environment
        self._connections: Connections[KubernetesConnection] = Connections(LAYER, "Connect To Kubernetes")
        #: While a ``... Within`` keyword waits: when it ends, so that no API call outlasts it.
        self._deadline: float | None = None

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
        info = self._get_json("get", "the server version", "/version")
        logger.info(f"{LAYER} {connection.url}: Kubernetes {info['gitVersion']} ({info['platform']})")
        return info["gitVersion"]

    @keyword
    def get_namespaces(self) -> list[str]:
        """Returns the names of all namespaces.

        | ${names} = | `Get Namespaces` |
        """
        namespaces = self._get_json("list", "namespaces", f"/api/{CORE}/namespaces")["items"]
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
        pods = self._get_json(
            "list",
            f"pods in namespace '{namespace}'",
            f"/api/{CORE}/namespaces/{namespace}/pods",
            {"labelSelector": selector},
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
        services = self._get_json(
            "list", f"services in namespace '{namespace}'", f"/api/{CORE}/namespaces/{namespace}/services"
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
        return self._now(lambda: self._ready_endpoints(name, namespace))

    def _ready_endpoints(self, name: str | None, namespace: str | None) -> list[str]:
        service = self.service_should_exist(name, namespace)
        where, selector = self._where(service["namespace"]), selector_text(service["selector"])
        endpoints, pods = self._service_routing(service)
        ready, _ = endpoint_addresses(endpoints)
        if ready:
            logger.info(f"{where}: service '{service['name']}' has {len(ready)} ready endpoint(s): {', '.join(ready)}")
            return ready
        if not service["selector"]:
            why = "it has no selector and no ready address was set for it"
        elif not pods:
            why = f"its selector {selector} matches no pod"
        else:
            why = f"its selector {selector} matches {len(pods)} pod(s), none of them Ready"
        raise Unsettled(
            f"{where}: service '{service['name']}' has no ready endpoint: {why}",
            why,
            lambda: self._log_service_evidence(service, endpoints, pods),
        )

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
        logs = {}
        for pod in self._pods(pods):
            namespace = pod["namespace"] or connection.settings["namespace"]
            text = self._get_text(
                "read",
                f"the log of pod {namespace}/{pod['name']}",
                f"/api/{CORE}/namespaces/{namespace}/pods/{pod['name']}/log",
                {"tailLines": str(lines)},
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

    # --- any object -----------------------------------------------------------------------------------------

    @keyword
    def get_kubernetes_object(
        self, kind: str, name: str, namespace: str | None = None, api_version: str | None = None
    ) -> DotDict:
        """Returns the object ``kind``/``name`` as the API sends it (raw JSON), read by attribute in a suite.

        ``kind`` is what kubectl accepts: the Kind (``Deployment``), its plural (``deployments``), its short name
        (``deploy``) or ``plural.group`` (``deployments.apps``, ``cronjobs.batch``, a custom resource's
        ``certificates.cert-manager.io``); ``api_version`` (``apps/v1``) picks a version other than the group's
        preferred one. The API's discovery resolves it, once per connection. ``namespace`` defaults to the
        environment's ``kubernetes.namespace``; a cluster-scoped kind (Node, Namespace, PersistentVolume) has none.

        The result is a ``DotDict`` all the way down: ``${deployment.status.readyReplicas}``,
        ``${deployment.spec.template.metadata.labels}``; keys are the API's (camelCase).

        *A Secret's values are never returned*: for kind Secret the result holds only ``apiVersion``, ``kind``,
        ``type``, ``metadata`` (without the last-applied manifest, which would repeat the values) and ``data_keys``,
        the sorted names of its keys.

        Fails in one line for a kind the API does not serve (naming the kind and the API), for a missing object
        (404, naming kind, namespace and name) and for a refused read (403, naming the verb, the resource and the
        RBAC permission the suite's user lacks). An empty ``name`` or ``kind`` is a ``ValueError``.

        | ${deployment} = | `Get Kubernetes Object` | Deployment | panda-panda-focus-server |
        | Should Be Equal As Integers | ${deployment.status.readyReplicas} | 2 |
        | ${node} = | `Get Kubernetes Object` | node | panda-node-1 |
        | ${cronjob} = | `Get Kubernetes Object` | cronjobs.batch | panda-recordings-cleanup | namespace=panda |
        | ${secret} = | `Get Kubernetes Object` | Secret | mongodb-credentials | # only metadata and data_keys |
        """
        name = _required(name, "name")
        resource = self._resource(kind, api_version)
        namespace = self._namespace_for(resource, namespace)
        obj = self._read_object(resource, namespace, name)
        logger.info(f"{self._api()}: {object_line(obj)}")
        return DotDict(obj)

    @keyword
    def list_kubernetes_objects(
        self,
        kind: str,
        namespace: str | None = None,
        name_pattern: str = "*",
        label_selector: str | None = None,
        field_selector: str | None = None,
        api_version: str | None = None,
        all_namespaces: bool = False,
    ) -> list[DotDict]:
        """Returns the objects of ``kind`` in ``namespace`` whose name matches the glob ``name_pattern``.

        ``kind`` and ``api_version`` as in `Get Kubernetes Object`; each object is a ``DotDict`` of the API's JSON
        (Secrets masked the same way). ``label_selector`` (``app.kubernetes.io/name=panda-focus-server``) and
        ``field_selector`` (``status.phase=Running``, ``spec.nodeName=panda-node-1``) go to the API server, which
        filters; ``name_pattern`` is then matched on ``metadata.name`` (``*``, ``?``, ``[seq]``, case-sensitive).
        ``all_namespaces=True`` lists across every namespace; a cluster-scoped kind ignores ``namespace``.

        | ${deployments} = | `List Kubernetes Objects` | deploy |
        | ${pods} = | `List Kubernetes Objects` | pods | name_pattern=panda-* | field_selector=status.phase=Running |
        | ${nodes} = | `List Kubernetes Objects` | Node | label_selector=kubernetes.io/os=linux |
        | ${events} = | `List Kubernetes Objects` | events | all_namespaces=True | field_selector=type=Warning |
        | Length Should Be | ${deployments} | 1 |
        """
        resource = self._resource(kind, api_version)
        namespace = None if all_namespaces else self._namespace_for(resource, namespace)
        items = self._list_objects(resource, namespace, label_selector, field_selector)
        matching = [DotDict(obj) for obj in items if name_matches(obj, name_pattern)]
        logger.info(
            f"{self._api()}: {len(matching)} of {len(items)} {resource.target(namespace)} match '{name_pattern}'"
            + "".join(f"\n  {object_line(obj)}" for obj in matching)
        )
        return matching

    # --- workloads ------------------------------------------------------------------------------------------

    @keyword
    def workload_should_be_rolled_out(
        self, name: str, kind: str = "Deployment", namespace: str | None = None
    ) -> DotDict:
        """Fails unless the Deployment, StatefulSet or DaemonSet ``name`` is rolled out; returns it.

        What ``kubectl rollout status`` checks: the controller observed the latest spec (``observedGeneration`` ≥
        ``generation``); every desired replica is updated, ready and available and no old one is left; no
        condition says the rollout is stuck (``Progressing=False``, e.g. ``ProgressDeadlineExceeded``;
        ``ReplicaFailure=True``); a StatefulSet's ``currentRevision`` is its ``updateRevision``; a DaemonSet's
        ``updatedNumberScheduled`` and ``numberAvailable`` reach ``desiredNumberScheduled``.

        The message says how far it got: ``Kubernetes API https://...: Deployment panda/panda-panda-focus-server is
        not rolled out: 1 of 3 replicas updated, 2 ready, 2 available; Progressing=False (ProgressDeadlineExceeded:
        ReplicaSet "..." has timed out progressing.)``; its conditions and newest events (Warning first) are
        logged as evidence. ``kind`` is Deployment, StatefulSet or DaemonSet (or a plural or short name such as
        ``sts``); any other is a ``ValueError``. To wait for a rollout, see `Workload Should Be Rolled Out Within`.

        | `Workload Should Be Rolled Out` | panda-panda-focus-server |
        | `Workload Should Be Rolled Out` | mongodb | kind=StatefulSet | namespace=data |
        | ${daemonset} = | `Workload Should Be Rolled Out` | node-exporter | DaemonSet | monitoring |
        """
        check, _ = self._rollout_check(name, kind, namespace)
        return DotDict(self._now(check))

    @keyword
    def deployment_should_be_available(self, name: str, namespace: str | None = None) -> DotDict:
        """Fails unless Deployment ``name`` is rolled out and all its replicas are available; returns it.

        The same check as `Workload Should Be Rolled Out` with ``kind=Deployment``, under the name QA reads.

        | `Deployment Should Be Available` | panda-panda-focus-server |
        | `Deployment Should Be Available` | panda-panda-focus-server | namespace=panda |
        """
        return self.workload_should_be_rolled_out(name, "Deployment", namespace)

    @keyword
    def workload_should_be_rolled_out_within(
        self,
        name: str,
        timeout: str | None = None,
        kind: str = "Deployment",
        namespace: str | None = None,
        poll: str | None = None,
    ) -> DotDict:
        """Waits up to ``timeout`` until `Workload Should Be Rolled Out` passes; returns the workload.

        What a pipeline checks right after a deploy, as ``kubectl rollout status --timeout`` does. ``timeout`` and
        ``poll`` are Robot time strings (``90 s``, ``2 min``), by default the environment's
        ``kubernetes.wait_timeout_s`` and ``kubernetes.wait_poll_s``. A line goes to the console each time the
        observed state changes. Each API call is bounded by ``request_timeout_s`` and never outlasts the deadline;
        a missing object or an API that does not answer is polled through, a refused read (401, 403) fails at once.

        On timeout the message's first line is the last state observed: ``Kubernetes API https://...: Deployment
        panda/panda-panda-focus-server still not rolled out after 30 s: 1 of 3 replicas updated, 2 ready, 2
        available; Progressing=False (...)``, and the evidence is logged as by `Workload Should Be Rolled Out`.
        A time string that is not one is a ``ValueError``.

        | `Workload Should Be Rolled Out Within` | panda-panda-focus-server | 2 min |
        | `Workload Should Be Rolled Out Within` | mongodb | timeout=5 min | kind=StatefulSet | poll=5 s |
        """
        times = self._wait_times(timeout, poll)
        check, still = self._rollout_check(name, kind, namespace)
        return DotDict(self._within(check, still, *times))

    @keyword
    def pods_should_be_ready_within(self, timeout: str | None = None, poll: str | None = None) -> list[dict]:
        """Waits up to ``timeout`` until the environment's pods exist and are all Ready; returns them.

        The pods are those `Get Pods Matching` lists by default (``pod_pattern``, ``label_selector``, ``namespace``);
        Ready as `Pods Should Be Ready` checks it. ``timeout`` and ``poll`` as in
        `Workload Should Be Rolled Out Within`; on timeout the first line is the last state observed
        (``... pods matching 'panda-panda-focus-server-*' still not Ready after 30 s: 1 of 2 pod(s) not Ready: pod
        ...``) and the unhealthy pods' evidence is logged as by `Log Evidence Of Unhealthy Pods`.

        | ${pods} = | `Pods Should Be Ready Within` | 2 min |
        | `Pods Should Be Ready Within` | timeout=90 s | poll=3 s |
        """
        times = self._wait_times(timeout, poll)
        still = f"{self._where()}: pods matching '{self._connection().settings['pod_pattern']}' still not Ready"

        def check() -> list[dict]:
            pods = self._pods(None)
            self.pods_should_be_ready(pods)
            return pods

        return self._within(check, still, *times)

    @keyword
    def service_should_have_ready_endpoints_within(
        self,
        name: str | None = None,
        timeout: str | None = None,
        namespace: str | None = None,
        poll: str | None = None,
    ) -> list[str]:
        """Waits up to ``timeout`` until `Service Should Have Ready Endpoints` passes; returns the ready addresses.

        ``name`` defaults to the configured ``service.name``; ``timeout`` and ``poll`` as in
        `Workload Should Be Rolled Out Within`. On timeout the first line is the last state observed
        (``... service 'panda-panda-focus-server' still has no ready endpoint after 30 s: its selector ... matches
        no pod``) and where the service routes to is logged as evidence.

        | ${addresses} = | `Service Should Have Ready Endpoints Within` |
        | `Service Should Have Ready Endpoints Within` | panda-panda-focus-server | 1 min | poll=2 s |
        """
        times = self._wait_times(timeout, poll)
        service = name or self._expected_service().get("name") or "(configured)"
        still = f"{self._where(namespace)}: service '{service}' still has no ready endpoint"
        return self._within(lambda: self._ready_endpoints(name, namespace), still, *times)

    # --- nodes, volumes, events -----------------------------------------------------------------------------

    @keyword
    def nodes_should_be_ready(self, label_selector: str | None = None) -> list[str]:
        """Fails unless there is a node and every node is Ready without memory, disk or PID pressure; returns their
        names.

        ``label_selector`` narrows the nodes (``node-role.kubernetes.io/worker=``). The message names each bad node
        with the condition's reason and message: ``1 of 2 node(s) not Ready: node panda-node-2: Ready=Unknown
        (NodeStatusUnknown: Kubelet stopped posting node status.); MemoryPressure=True (...)``; each bad node's
        conditions and events are logged as evidence.

        | ${names} = | `Nodes Should Be Ready` |
        | `Nodes Should Be Ready` | label_selector=kubernetes.io/os=linux |
        """
        resource = self._resource("nodes")
        nodes = self._list_objects(resource, None, label_selector)
        selected = f" matching label selector '{label_selector}'" if label_selector else ""
        if not nodes:
            raise _failure(f"{self._api()}: no node{selected} in the cluster")
        bad = [(node, problems) for node in nodes if (problems := node_problems(node))]
        for node, _ in bad:
            self._log_object_evidence(resource, None, node)
        if bad:
            separator = " " if len(bad) == 1 else "\n  "
            details = "".join(f"{separator}node {node['metadata']['name']}: {'; '.join(why)}" for node, why in bad)
            raise _failure(f"{self._api()}: {len(bad)} of {len(nodes)} node(s){selected} not Ready:{details}")
        names = [node["metadata"]["name"] for node in nodes]
        logger.info(f"{self._api()}: {len(names)} node(s){selected} Ready without pressure: {', '.join(names)}")
        return names

    @keyword
    def persistent_volume_claim_should_be_bound(self, name: str, namespace: str | None = None) -> DotDict:
        """Fails unless PersistentVolumeClaim ``name`` is Bound to a volume; returns it.

        The message names the phase and the newest Warning event about the claim (what ``kubectl describe pvc``
        shows last): ``PersistentVolumeClaim panda/panda-focus-server-recordings is not Bound: phase Pending;
        newest Warning event ProvisioningFailed: storageclass.storage.k8s.io "fast" not found``; the claim's
        storage class, size and events are logged as evidence.

        | `Persistent Volume Claim Should Be Bound` | panda-focus-server-recordings |
        | ${claim} = | `Persistent Volume Claim Should Be Bound` | panda-focus-server-recordings | namespace=panda |
        """
        name = _required(name, "name")
        resource = self._resource("persistentvolumeclaims")
        namespace = self._namespace_for(resource, namespace)
        claim = self._read_object(resource, namespace, name)
        phase = (claim.get("status") or {}).get("phase") or "unknown"
        target = resource.target(namespace, name)
        if phase == "Bound":
            logger.info(f"{self._api()}: {target} is Bound to {(claim.get('spec') or {}).get('volumeName', '?')}")
            return DotDict(claim)
        events = self._events_of(resource, namespace, name, self._evidence_deadline())
        if isinstance(events, _NotRead):
            why = f"; its events were {events.line}"
        else:
            warning = newest_warning(events)
            why = f"; newest Warning event {event_text(warning)}" if warning else "; no Warning event about it"
        spec = claim.get("spec") or {}
        self._log_object_evidence(
            resource,
            namespace,
            claim,
            events,
            f"storage class {spec.get('storageClassName') or '(default)'}, "
            f"requested {((spec.get('resources') or {}).get('requests') or {}).get('storage', '?')}, "
            f"access modes {', '.join(spec.get('accessModes') or []) or '?'}",
        )
        raise _failure(f"{self._api()}: {target} is not Bound: phase {phase}{why}")

    @keyword
    def no_warning_events_should_exist(
        self, since: str = "1 hour", namespace: str | None = None, kind: str | None = None, name: str | None = None
    ) -> None:
        """Fails if a Warning event happened in ``namespace`` after ``since``, about any object or the one named.

        ``since`` is a Robot time string before now (``1 hour``, ``30 min``) or an ISO timestamp
        (``2025-11-28T14:00:00Z``); an event counts by its ``lastTimestamp``, else ``eventTime``, else
        ``firstTimestamp``. ``kind`` (as in `Get Kubernetes Object`) and ``name`` narrow it to one object's
        events. The message gives the count and the three most frequent reasons (``40 Warning event(s) since
        ...: BackOff×20, FailedMount×15, Unhealthy×5``); up to ten of them, Warning and newest first, are logged
        as evidence. The API server keeps events for an hour by default: older ones cannot be checked.

        | `No Warning Events Should Exist` |
        | `No Warning Events Should Exist` | 30 min | kind=Deployment | name=panda-panda-focus-server |
        | `No Warning Events Should Exist` | since=2025-11-28T14:00:00Z | namespace=panda |
        """
        moment = since_moment(since, datetime.now(UTC))
        namespace = namespace or self._connection().settings["namespace"]
        selector = ["type=Warning"]
        about = ""
        if kind:
            kind = self._resource(kind).kind
            selector.append(f"involvedObject.kind={kind}")
        if name:
            selector.append(f"involvedObject.name={_required(name, 'name')}")
        if kind or name:
            about = f" about {kind or 'object'} {name or '(any)'}"
        events = self._list_objects(self._resource("events"), namespace, field_selector=",".join(selector))
        recent = warnings_since(events, moment)
        if recent:
            log_evidence(f"{LAYER} Warning events in namespace '{namespace}'{about}", event_lines(recent))
            raise _failure(
                f"{self._where(namespace)}: {len(recent)} Warning event(s){about} since {utc_text(moment)}: "
                f"{top_reasons(recent)}"
            )
        logger.info(f"{self._where(namespace)}: no Warning event{about} since {utc_text(moment)}")

    # --- ConfigMaps -----------------------------------------------------------------------------------------

    @keyword("ConfigMap Value Should Be")
    def configmap_value_should_be(self, name: str, key: str, expected: str, namespace: str | None = None) -> str:
        """Fails unless key ``key`` of ConfigMap ``name`` is exactly ``expected``; returns the value.

        A missing key fails naming the keys present; a different value names both values. Values of
        ``binaryData`` are compared as the API sends them (base64).

        | `ConfigMap Value Should Be` | panda-panda-focus-server-config | MONGODB_HOST | 127.0.0.1 |
        | ${database} = | `ConfigMap Value Should Be` | panda-panda-focus-server-config | MONGODB_DATABASE | prisma |
        """
        value, target = self._configmap_value(name, key, namespace)
        if value != expected:
            raise _failure(f"{self._api()}: {target} key '{key}' is '{value}', expected '{expected}'")
        logger.info(f"{self._api()}: {target} key '{key}' is '{value}'")
        return value

    @keyword("ConfigMap Value Should Match")
    def configmap_value_should_match(self, name: str, key: str, pattern: str, namespace: str | None = None) -> str:
        """Fails unless key ``key`` of ConfigMap ``name`` matches the *regular expression* ``pattern``; returns the
        value.

        ``pattern`` is a Python regular expression searched anywhere in the value, as BuiltIn's
        ``Should Match Regexp`` does (not a glob): anchor it with ``^...$`` to match the whole value. A pattern that
        is not a regular expression is a ``ValueError``; a missing key fails naming the keys present.

        | `ConfigMap Value Should Match` | panda-panda-focus-server-config | MONGODB_HOST | ^mongodb-\\d+\\.panda$ |
        | `ConfigMap Value Should Match` | panda-panda-focus-server-config | MONGODB_DATABASE | ^prisma |
        """
        try:
            expression = re.compile(pattern)
        except re.error as error:
            raise ValueError(f"pattern '{pattern}' is not a regular expression: {error}") from None
        value, target = self._configmap_value(name, key, namespace)
        if not expression.search(value):
            raise _failure(
                f"{self._api()}: {target} key '{key}' is '{value}', which does not match the regular expression "
                f"'{pattern}'"
            )
        logger.info(f"{self._api()}: {target} key '{key}' is '{value}', matching '{pattern}'")
        return value

    # --- Jobs -----------------------------------------------------------------------------------------------

    @keyword
    def last_job_should_have_succeeded_within(
        self, name: str, within: str = "24 hours", kind: str = "CronJob", namespace: str | None = None
    ) -> DotDict:
        """Fails unless the CronJob's (or the Job's) last run succeeded within ``within``; returns the newest Job.

        For ``kind=CronJob``: its ``status.lastSuccessfulTime`` is at most ``within`` ago, and the newest Job it
        owns (by owner reference; where no Job has one, the Jobs named ``<cronjob>-...``) has not failed since.
        For ``kind=Job``: the Job is Complete and its ``completionTime`` is at most ``within`` ago. ``within`` is
        a Robot time string (``24 hours``, ``90 min``); another ``kind`` or a bad time string is a ``ValueError``.
        The message says why (``it last succeeded 1d 2h ago, at ...``; ``its newest Job ... failed: Failed=True
        (BackoffLimitExceeded: ...)``); the Job's conditions and events are logged as evidence.

        | `Last Job Should Have Succeeded Within` | panda-recordings-cleanup |
        | `Last Job Should Have Succeeded Within` | panda-recordings-cleanup | 1 hour |
        | ${job} = | `Last Job Should Have Succeeded Within` | panda-recordings-cleanup-29400000 | 1 day | kind=Job |
        """
        name = _required(name, "name")
        within_s = seconds(within, "within")
        kind = kind_of(kind, JOB_KINDS)
        jobs_resource = self._resource("jobs.batch")
        namespace = self._namespace_for(jobs_resource, namespace)
        now = datetime.now(UTC)
        if kind == "CronJob":
            resource = self._resource("cronjobs.batch")
            cronjob = self._read_object(resource, namespace, name)
            jobs = self._list_objects(jobs_resource, namespace)
            problems, newest = cronjob_problems(cronjob, jobs, now, within_s)
            what = f"the last Job of {resource.target(namespace, name)}"
        else:
            newest = self._read_object(jobs_resource, namespace, name)
            problems = job_problems(newest, now, within_s)
            what = jobs_resource.target(namespace, name)
        if problems:
            if kind == "CronJob":
                self._log_object_evidence(resource, namespace, cronjob, detail=cronjob_line(cronjob))
            if newest is not None:
                self._log_object_evidence(jobs_resource, namespace, newest)
            raise _failure(f"{self._api()}: {what} did not succeed within {within}: {'; '.join(problems)}")
        logger.info(f"{self._api()}: {what} succeeded within {within}")
        return DotDict(newest or cronjob)

    # --- helpers --------------------------------------------------------------------------------------------

    # --- any object: discovery, reads, evidence ---------------------------------------------------------------

    def _api(self) -> str:
        return f"{LAYER} {self._connection().url}"

    def _resource(self, kind: str, api_version: str | None = None) -> Resource:
        """The resource ``kind`` names, through the API's discovery (cached per connection): the core group first,
        then every group's preferred version, as kubectl looks it up."""
        name, group, version = parse_kind(kind)
        wanted_group, wanted_version = parse_api_version(api_version)
        if wanted_version is not None:
            if group is not None and group != wanted_group:
                raise ValueError(f"kind '{kind}' names API group '{group}', but api_version is '{api_version}'")
            group, version = wanted_group, wanted_version
        searched: list[str] = []

        def search(group_list: dict | None) -> Resource | None:
            for group_version in group_versions_to_search(group_list, group, version):
                if group_version not in searched:
                    searched.append(group_version)
                    found = find_resource(self._resources_in(group_version, group is not None), name)
                    if found:
                        return found
            return None

        found = search(None)
        if found is None and group not in ("", "core") and not (group is None and version == CORE):
            found = search(self._discovered("/apis", "the API groups"))
        if found is not None:
            return found
        shown = ", ".join(searched[:8]) + (f" and {len(searched) - 8} more" if len(searched) > 8 else "")
        unserved = f"{group}/{version}" if version else f"API group {group}"
        asked = f" (api_version {api_version})" if api_version else ""
        raise _failure(
            f"{self._api()}: unknown kind '{kind}'{asked}: the API serves no such resource "
            f"(looked in {shown or f'{unserved}, which it does not serve'})"
        )

    def _discovered(self, path: str, what: str) -> dict:
        cache = self._connection().discovery
        if path not in cache:
            cache[path] = self._get_json("read", what, path)
        return cache[path]

    def _resources_in(self, group_version: str, asked_for: bool) -> list[Resource]:
        """The resources of one group version; one the API cannot list (an aggregated API that is down) counts as
        empty unless it was asked for by name."""
        path = f"/api/{CORE}" if group_version == CORE else f"/apis/{group_version}"
        try:
            return resources_of(self._discovered(path, f"the resources of API {group_version}"))
        except ApiCallFailed as failed:
            if asked_for or group_version == CORE:
                raise
            logger.info(f"{self._api()}: {group_version} left out of the kind lookup: {_after_target(str(failed))}")
            self._connection().discovery[path] = {"groupVersion": group_version, "resources": []}
            return []

    def _namespace_for(self, resource: Resource, namespace: str | None) -> str | None:
        """``namespace`` or the environment's for a namespaced kind; ``None`` for a cluster-scoped one."""
        return (namespace or self._connection().settings["namespace"]) if resource.namespaced else None

    def _read_object(self, resource: Resource, namespace: str | None, name: str) -> dict:
        found = self._get_json(
            "get",
            resource.target(namespace, name),
            resource.path(namespace, name),
            permission=resource.permission("get", namespace),
        )
        return returned_object(resource, found)

    def _list_objects(
        self,
        resource: Resource,
        namespace: str | None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> list[dict]:
        answer = self._get_json(
            "list",
            resource.target(namespace),
            resource.path(namespace),
            {"labelSelector": label_selector, "fieldSelector": field_selector},
            permission=resource.permission("list", namespace),
        )
        return [returned_object(resource, item) for item in answer.get("items") or []]

    def _configmap_value(self, name: str, key: str, namespace: str | None) -> tuple[str, str]:
        """``(value, how messages name the ConfigMap)``; fails naming the keys present when ``key`` is not one."""
        name, key = _required(name, "name"), _required(key, "key")
        resource = self._resource("configmaps")
        namespace = self._namespace_for(resource, namespace)
        target = resource.target(namespace, name)
        configmap = self._read_object(resource, namespace, name)
        value = configmap_value(configmap, key)
        if value is None:
            present = ", ".join(configmap_keys(configmap)) or "none"
            raise _failure(f"{self._api()}: {target} has no key '{key}'; keys present: {present}")
        return value, target

    def _rollout_check(self, name: str, kind: str, namespace: str | None) -> tuple[Callable[[], dict], str]:
        """The rollout check of one workload, and how a wait that ends before it passes begins its message."""
        name = _required(name, "name")
        resource = self._resource(f"{kind_of(kind, ROLLOUT_KINDS).lower()}s.apps")
        namespace = self._namespace_for(resource, namespace)
        target = resource.target(namespace, name)

        def check() -> dict:
            obj = self._read_object(resource, namespace, name)
            state = rollout_state(resource.kind, obj)
            if not state.done:
                raise Unsettled(
                    f"{self._api()}: {target} is not rolled out: {state.summary}",
                    state.summary,
                    lambda: self._log_object_evidence(resource, namespace, obj),
                )
            logger.info(f"{self._api()}: {target} is rolled out: {state.summary}")
            return obj

        return check, f"{self._api()}: {target} still not rolled out"

    def _evidence_deadline(self) -> float:
        return time.monotonic() + 2 * self._connection().timeout_s

    def _events_of(
        self, resource: Resource, namespace: str | None, name: str, deadline: float
    ) -> list[dict] | _NotRead:
        selector = f"involvedObject.kind={resource.kind},involvedObject.name={name}"
        # A cluster-scoped object's events (a node's, from its kubelet) are kept in namespace default.
        where = namespace if resource.namespaced else "default"
        return self._events_about(resource.target(namespace, name), where, selector, deadline)

    def _log_object_evidence(
        self,
        resource: Resource,
        namespace: str | None,
        obj: dict,
        events: list[dict] | _NotRead | None = None,
        detail: str | None = None,
    ) -> None:
        """An object's conditions and its newest events (Warning first), as ``kubectl describe`` ends."""
        name = obj["metadata"]["name"]
        if events is None:
            events = self._events_of(resource, namespace, name, self._evidence_deadline())
        shown = [events.line] if isinstance(events, _NotRead) else event_lines(events)
        lines = [detail] if detail else []
        lines += ["conditions:", *(f"  {line}" for line in condition_lines(obj)), "events:", *(f"  {x}" for x in shown)]
        log_evidence(f"{LAYER} {resource.target(namespace, name)}", lines)

    # --- waiting ----------------------------------------------------------------------------------------------

    def _wait_times(self, timeout: str | None, poll: str | None) -> tuple[float, float]:
        """``(timeout, poll)`` in seconds: the arguments' time strings, else the environment's ``wait_*_s``."""
        settings = self._connection().settings
        timeout_s = settings["wait_timeout_s"] if timeout in (None, "") else seconds(timeout, "timeout")
        poll_s = settings["wait_poll_s"] if poll in (None, "") else seconds(poll, "poll")
        return timeout_s, poll_s

    def _now(self, check: Callable[[], T]) -> T:
        """``check()`` once; when it fails for a state that may change, its evidence is logged first."""
        try:
            return check()
        except Unsettled as unsettled:
            unsettled.log_evidence()
            raise

    def _within(self, check: Callable[[], T], still: str, timeout_s: float, poll_s: float) -> T:
        """``check()`` polled until it passes or ``timeout_s`` end (:func:`wait_until`); no API call outlasts the
        deadline, and one that may answer later (404, no answer, 5xx) is polled through like an unsettled state."""

        def attempt(deadline: float) -> T:
            with self._bounded_by(deadline):
                try:
                    return check()
                except ApiCallFailed as failed:
                    if not failed.transient:
                        raise
                    raise Unsettled(str(failed), _after_target(str(failed))) from None

        try:
            return wait_until(attempt, timeout_s, poll_s, still, lambda line: logger.info(line, also_console=True))
        except TimedOut as timed_out:
            timed_out.last.log_evidence()
            raise

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
        self,
        verb: str,
        target: str,
        function: Callable[..., T],
        *args: Any,
        missing_ok: bool = False,
        permission: str | None = None,
        **kwargs: Any,
    ) -> T:
        """Calls the API with the configured timeout (less when a wait's deadline comes sooner) and turns every
        failure into an :class:`ApiCallFailed` naming the cause (a 403 also the RBAC ``permission`` it lacks);
        with ``missing_ok`` a 404 raises :class:`_Missing` instead."""
        connection = self._connection()
        timeout_s, bound = self._request_timeout(connection)
        try:
            return function(*args, _request_timeout=timeout_s, **kwargs)
        except k8s.ApiException as error:
            if missing_ok and error.status == 404:
                raise _Missing(target) from None
            status, cause = error.status, _api_exception_cause(error, verb, target)
            if error.status == 401 and connection.credentials:
                cause += f" (credentials: {connection.credentials})"
            if error.status == 403 and permission and " cannot " not in cause:  # kube-apiserver already says it
                cause += f"; the suite's user lacks {permission}"
        except urllib3.exceptions.HTTPError as error:
            status, cause = None, _transport_cause(error, timeout_s, bound)
            if cause.startswith("timed out") and timeout_s == connection.timeout_s:
                record_not_answering(endpoint_of(connection.url), f"no answer to {verb} {target} in time: {cause}")
        raise ApiCallFailed(f"{LAYER} {connection.url}: {verb} {target} failed: {cause}", status)

    def _request_timeout(self, connection: KubernetesConnection) -> tuple[float, str]:
        """``(seconds, what bounds them)``: ``request_timeout_s``, or what is left until a wait's deadline."""
        if self._deadline is None or self._deadline - time.monotonic() >= connection.timeout_s:
            return connection.timeout_s, "request_timeout_s"
        return max(self._deadline - time.monotonic(), MIN_REQUEST_TIMEOUT_S), "the wait's deadline"

    @contextlib.contextmanager
    def _bounded_by(self, deadline: float) -> Iterator[None]:
        self._deadline = deadline
        try:
            yield
        finally:
            self._deadline = None

    def _get_json(
        self,
        verb: str,
        target: str,
        path: str,
        query: dict[str, str | None] | None = None,
        missing_ok: bool = False,
        permission: str | None = None,
    ) -> Any:
        """``GET path`` as raw JSON, for any object the API serves; ``None`` for a 404 when ``missing_ok``.

        Every read goes this way, not through the client's typed API classes: importing ``CoreV1Api`` alone builds
        some 250 pydantic models (1.2 s, measured), and the suite only reads the answer's JSON."""
        try:
            answer = self._call(
                verb,
                target,
                self._request_for(path, query, "application/json"),
                missing_ok=missing_ok,
                permission=permission,
            )
        except _Missing:
            return None
        return json.loads(answer.data)

    def _get_text(self, verb: str, target: str, path: str, query: dict[str, str | None]) -> str:
        """``GET path`` as text (a pod's log)."""
        return self._call(verb, target, self._request_for(path, query, "*/*")).data.decode("utf-8", "replace")

    def _request_for(self, path: str, query: dict[str, str | None] | None, accept: str) -> Callable[..., Any]:
        """The GET as a function of the request timeout, for :meth:`_call`; a non-2xx answer raises ``ApiException``."""
        api_client = self._connection().api_client
        parameters = [(key, value) for key, value in (query or {}).items() if value]

        def get(_request_timeout: float) -> Any:
            request = api_client.param_serialize(
                "GET", path, query_params=parameters, header_params={"Accept": accept}, auth_settings=["BearerToken"]
            )
            response = api_client.call_api(*request, _request_timeout=_request_timeout)
            response.read()
            if not 200 <= response.status <= 299:
                k8s.ApiException.from_response(http_resp=response, body=None, data=None)  # raises
            return response

        return get

    def _service_routing(self, service: dict) -> tuple[dict | None, list[dict]]:
        """The service's Endpoints object (``None`` when there is none) and the pods its selector matches."""
        endpoints = self._get_json(
            "read",
            f"the endpoints of service {service['namespace']}/{service['name']}",
            f"/api/{CORE}/namespaces/{service['namespace']}/endpoints/{service['name']}",
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
        where = f"{service['namespace']}/{service['name']}"
        answer = self._get_json(
            "list",
            f"pods selected by service {where}",
            f"/api/{CORE}/namespaces/{service['namespace']}/pods",
            {"labelSelector": selector_text(service["selector"])},
        )
        return [summarize_pod(pod) for pod in answer["items"]]

    def _event_lines(self, pod: str, namespace: str, deadline: float) -> list[str]:
        answer = self._events_about(f"pod {namespace}/{pod}", namespace, f"involvedObject.name={pod}", deadline)
        return [answer.line] if isinstance(answer, _NotRead) else event_lines(answer)

    def _events_about(self, what: str, namespace: str | None, selector: str, deadline: float) -> list[dict] | _NotRead:
        """The events the field ``selector`` selects in ``namespace`` (all namespaces when ``None``), for evidence."""
        path = f"/api/{CORE}" + (f"/namespaces/{namespace}" if namespace else "") + "/events"
        answer = _read_for_evidence(
            deadline, lambda: self._get_json("list", f"events of {what}", path, {"fieldSelector": selector})
        )
        return answer if isinstance(answer, _NotRead) else answer["items"]

    def _log_lines(self, pod: str, namespace: str, container: str, previous: bool, deadline: float) -> list[str]:
        which = "previous container's log" if previous else "log"
        answer = _read_for_evidence(
            deadline,
            lambda: self._get_text(
                "read",
                f"the {which} of pod {namespace}/{pod}",
                f"/api/{CORE}/namespaces/{namespace}/pods/{pod}/log",
                {
                    "container": container,
                    "previous": "true" if previous else None,
                    "tailLines": str(EVIDENCE_LOG_LINES),
                },
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
            raise Unsettled(f"{self._where()}: no pods to check (none matched)", "no pods to check (none matched)")
        return pods

    def _fail_for(self, failing: list[dict], summary: str, describe: Callable[[dict], str] = describe_pod) -> None:
        if failing:
            namespace = failing[0]["namespace"] or None
            # One pod fits the first line, which is all a report's summary shows; several get a line each.
            separator = " " if len(failing) == 1 else "\n  "
            state = f"{summary}:" + "".join(f"{separator}{describe(pod)}" for pod in failing)
            raise Unsettled(
                f"{self._where(namespace)}: {state}", state, lambda: self.log_evidence_of_unhealthy_pods(failing)
            )

    def _expected_service(self) -> dict[str, Any]:
        return self._connection().settings["service"] or {}
