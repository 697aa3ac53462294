"""KubernetesLibrary against the Kubernetes API stand-in, healthy and with each fault; pure pod logic with dicts."""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import urllib3
import yaml
from kubernetes import client as k8s

from keywords.common.outcomes import SettingsUnusable
from keywords.kubernetes.library import (
    KubernetesLibrary,
    _api_exception_cause,
    classify_restarts,
    describe_pod,
    summarize_pod,
)
from lab.component import LabContext
from lab.go_binaries import cached
from lab.kube_api import KubeApiComponent
from lab.kube_api.tls import generate_tls_files
from lab.kube_cluster import KubeClusterComponent
from tests.helpers import failure_of

NOT_READY_POD = "panda-panda-focus-server-7d9c8b6f5-w9lzm"
CRASHING_POD = "panda-panda-focus-server-7d9c8b6f5-k2x7q"
LAB_VARIABLES = ("LAB_K8S_API", "LAB_K8S_TOKEN", "LAB_K8S_CA", "LAB_KUBECONFIG")

Connect = Callable[..., KubernetesLibrary]


def write_environments(folder: Path, published: dict[str, str], **overrides) -> Path:
    """An environments file whose ``lab`` environment reads the published values through ``env_file``."""
    (folder / "lab.env").write_text("".join(f"{key}={value}\n" for key, value in published.items()))
    kubernetes = {
        "api_server": "${LAB_K8S_API}",
        "token": "${LAB_K8S_TOKEN}",
        "ca_file": "${LAB_K8S_CA}",
        "request_timeout_s": 5,
        "service": {
            "name": "panda-panda-focus-server",
            "type": "ClusterIP",
            "cluster_ip": "10.43.103.101",
            "port": 5000,
        },
        **overrides,
    }
    path = folder / "environments.yaml"
    path.write_text(yaml.safe_dump({"lab": {"env_file": "lab.env", "kubernetes": kubernetes}}))
    return path


@pytest.fixture(params=["stand-in", "kube-apiserver"])
def cluster(request) -> str:
    """The contract: every test here runs against the lab's stand-in and against the real control plane."""
    if request.param == "kube-apiserver" and cached("kube-apiserver") is None:
        pytest.skip("the real control plane is not built here (no Go; python -m lab build)")
    return request.param


@pytest.fixture
def connect(cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Connect]:
    """Starts the cluster with ``faults``, points the configuration at it, returns a connected library."""
    for name in LAB_VARIABLES:  # values exported in the shell would win over lab.env
        monkeypatch.delenv(name, raising=False)
    component = KubeApiComponent() if cluster == "stand-in" else KubeClusterComponent()
    libraries: list[KubernetesLibrary] = []

    def start(*faults: str, **overrides) -> KubernetesLibrary:
        published = component.start(LabContext(tmp_path, faults=frozenset(faults)))
        monkeypatch.setenv("FOCUS_ENVIRONMENTS_FILE", str(write_environments(tmp_path, published, **overrides)))
        library = KubernetesLibrary("lab")
        libraries.append(library)
        library.connect_to_kubernetes()
        return library

    yield start
    for library in libraries:
        library.close_all_kubernetes_connections()
    component.stop()


# --- against the stand-in --------------------------------------------------------------------------------------


def test_healthy_cluster_passes_every_check(connect):
    library = connect()
    assert library.get_cluster_version() == "v1.37.2"
    library.namespace_should_exist()
    pods = library.pods_matching_should_number_at_least(2)
    assert [(pod["name"], pod["phase"], pod["ready"], pod["restarts"]) for pod in pods] == [
        (CRASHING_POD, "Running", True, 0),
        (NOT_READY_POD, "Running", True, 1),
    ]
    library.pods_should_be_running(pods)
    library.pods_should_be_ready(pods)
    library.pod_restarts_should_be_below(pods=pods)
    assert library.service_should_exist()["cluster_ip"] == "10.43.103.101"
    library.service_should_match()
    assert library.service_should_have_ready_endpoints() == [
        f"10.42.0.37 ({CRASHING_POD})",
        f"10.42.1.21 ({NOT_READY_POD})",
    ]
    logs = library.get_pod_log_lines(3, pods)
    assert sorted(logs) == [CRASHING_POD, NOT_READY_POD]
    assert all(len(lines) == 3 for lines in logs.values())


def test_pod_checks_list_the_configured_pods_when_given_none(connect):
    library = connect()
    library.pods_should_be_ready()
    assert len(library.get_pod_log_lines()[NOT_READY_POD]) == 10


def test_label_selector_narrows_the_pods(connect):
    library = connect()
    assert library.get_pods_matching("*", label_selector="app.kubernetes.io/instance=other") == []
    assert len(library.get_pods_matching("*", label_selector="app.kubernetes.io/instance=panda")) == 2


def test_kubeconfig_credentials_work_too(connect):
    library = connect(api_server=None, token=None, ca_file=None, kubeconfig="${LAB_KUBECONFIG}", context="lab")
    assert library.get_namespaces() == ["default", "kube-node-lease", "kube-public", "kube-system", "panda"]


def test_kubeconfig_pointing_at_another_cluster_than_configured_is_not_checked(connect):
    message = failure_of(
        lambda: connect(
            api_server="https://10.10.100.102:6443", token=None, ca_file=None, kubeconfig="${LAB_KUBECONFIG}"
        ),
        SettingsUnusable,
    )
    assert "the kubeconfig context points at https://127.0.0.1:" in message
    assert "expects kubernetes.api_server https://10.10.100.102:6443" in message


def test_disabled_tls_verification_is_a_warning_for_that_environment(connect, caplog):
    library = connect(ca_file=None, verify_tls=False)
    # urllib3 keeps warning on each request: nothing silences warnings process-wide.
    with pytest.warns(urllib3.exceptions.InsecureRequestWarning):
        assert library.get_cluster_version()
    assert "TLS verification is OFF for environment 'lab'" in caplog.text


def test_pending_pod_fails_running_check_without_crashing(connect):
    library = connect()
    pending = summarize_pod({"metadata": {"name": "p-1", "namespace": "panda"}, "status": {"phase": "Pending"}})
    with pytest.raises(AssertionError, match=r"1 of 1 pod\(s\) not Running: pod p-1: phase Pending; no container"):
        library.pods_should_be_running([pending])


def test_several_failing_pods_get_a_line_each(connect):
    library = connect()
    pods = [
        summarize_pod({"metadata": {"name": name, "namespace": "panda"}, "status": {"phase": "Pending"}})
        for name in ("p-1", "p-2")
    ]
    message = failure_of(lambda: library.pods_should_be_running(pods))
    assert message.endswith(
        "2 of 2 pod(s) not Running:\n  pod p-1: phase Pending; no container statuses yet"
        "\n  pod p-2: phase Pending; no container statuses yet"
    )


def test_bad_token_is_reported_as_unauthorized(connect):
    library = connect("k8s-bad-token")
    with pytest.raises(AssertionError) as raised:
        library.namespace_should_exist()
    message = str(raised.value)
    assert message.startswith("Kubernetes API https://127.0.0.1:")
    assert "list namespaces failed: unauthorized (401): the token/credentials were rejected" in message


def test_closed_api_port_is_reported_unreachable_as_connection_refused(connect):
    started = time.monotonic()
    # The TCP probe's own cause, not a request that waited for request_timeout_s ("timed out after 5 s").
    with pytest.raises(
        AssertionError, match=r"^Kubernetes API https://127\.0\.0\.1:\d+ unreachable: connection refused$"
    ):
        connect("k8s-api-down")
    # A hang bound, not a measurement: 3x the 5 s request timeout (the window includes the fixture's lab start).
    assert time.monotonic() - started < 3 * 5.0


def test_server_that_never_answers_is_reported_as_a_timeout(connect):
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts TCP (backlog) but never speaks TLS
        library = connect(api_server=f"https://127.0.0.1:{silent.getsockname()[1]}", request_timeout_s=0.3)
        with pytest.raises(AssertionError, match=r"list namespaces failed: timed out after 0\.3 s"):
            library.get_namespaces()


def test_certificate_from_another_authority_is_a_tls_failure(connect, tmp_path):
    (tmp_path / "other").mkdir()
    library = connect(ca_file=str(generate_tls_files(tmp_path / "other").ca_cert))
    with pytest.raises(
        AssertionError, match=r"get the server version failed: TLS failure: .*CERTIFICATE_VERIFY_FAILED"
    ):
        library.get_cluster_version()


def test_missing_namespace_names_the_namespaces_present(connect):
    library = connect("k8s-namespace-missing")
    with pytest.raises(
        AssertionError,
        match=r"namespace 'panda' not found; namespaces present: default, kube-node-lease, kube-public, kube-system",
    ):
        library.namespace_should_exist()
    with pytest.raises(AssertionError, match=r"0 pod\(s\) match 'panda-panda-focus-server-\*', at least 1 expected"):
        library.pods_matching_should_number_at_least()


def test_running_but_not_ready_pod_fails_readiness_naming_pod_and_condition(connect):
    library = connect("pod-not-ready")
    pods = library.get_pods_matching()
    library.pods_should_be_running(pods)
    with pytest.raises(AssertionError) as raised:
        library.pods_should_be_ready(pods)
    message = str(raised.value)
    assert "namespace 'panda': 1 of 2 pod(s) not Ready" in message
    assert f"pod {NOT_READY_POD}: phase Running; condition Ready=False (ContainersNotReady: " in message
    assert CRASHING_POD not in message


def test_crash_looping_pod_fails_restarts_with_count_and_reasons(connect):
    library = connect("pod-crashloop")
    with pytest.raises(AssertionError) as raised:
        library.pod_restarts_should_be_below()
    message = str(raised.value)
    assert f"pod {CRASHING_POD}" in message
    assert "waiting CrashLoopBackOff, 7 restarts, last terminated: OOMKilled" in message
    assert "7 in total (unstable)" in message
    assert NOT_READY_POD not in message


def test_a_crash_looping_pod_brings_its_events_previous_log_and_termination(connect, caplog):
    library = connect("pod-crashloop")
    with caplog.at_level("INFO"):
        assert library.log_evidence_of_unhealthy_pods() == [CRASHING_POD]
    [evidence] = [record.getMessage() for record in caplog.records if record.getMessage().startswith("evidence ")]
    lines = evidence.splitlines()
    assert lines[0] == f"evidence Kubernetes API pod panda/{CRASHING_POD}"
    assert lines[1] == "node: panda-node-1; phase Running; ready False"
    assert re.match(
        r"container panda-focus-server: waiting CrashLoopBackOff, 7 restarts, last terminated OOMKilled "
        r"\(exit code 137\) at \S+$",
        lines[2],
    )
    assert lines[3] == "events:"
    assert lines[4].startswith(
        "  Warning BackOff (x31, last 2025-11-28T14:58:44Z): Back-off restarting failed container"
    )
    previous = lines.index("last 20 lines of container panda-focus-server's previous container's log:")
    assert lines[previous + 1 :][6].endswith("index cache 2.0 GiB, memory limit 2 GiB: evicting nothing (all pinned)")
    assert "last 20 lines of container panda-focus-server's log:" in lines[previous + 8 :]


def test_a_service_whose_selector_matches_no_pod_has_no_ready_endpoint(connect, caplog):
    library = connect("service-no-endpoints")
    library.service_should_match()  # type, ClusterIP and port are right: only the endpoints tell
    with caplog.at_level("INFO"):
        message = failure_of(library.service_should_have_ready_endpoints)
    assert message.endswith(
        "namespace 'panda': service 'panda-panda-focus-server' has no ready endpoint: its selector "
        "app.kubernetes.io/instance=panda,app.kubernetes.io/name=panda-focus-server,app.kubernetes.io/version=2.5.0 "
        "matches no pod"
    )
    [evidence] = [record.getMessage() for record in caplog.records if record.getMessage().startswith("evidence ")]
    assert evidence.splitlines()[2:] == ["endpoints: 0 ready, 0 not ready", "pods matching the selector: 0"]


def test_a_not_ready_pod_leaves_the_service_one_ready_endpoint(connect):
    library = connect("pod-not-ready")
    assert library.service_should_have_ready_endpoints() == [f"10.42.0.37 ({CRASHING_POD})"]
    assert library.log_evidence_of_unhealthy_pods() == [NOT_READY_POD]


def test_wrong_cluster_ip_shows_expected_and_actual(connect):
    library = connect("service-wrong-clusterip")
    with pytest.raises(AssertionError, match=r"cluster_ip expected 10\.43\.103\.101, actual 10\.43\.99\.99$"):
        library.service_should_match()


def test_pods_whose_log_is_empty_fail_the_log_check_by_name(connect, monkeypatch):
    library = connect()
    logs = library.pod_logs_should_be_readable()
    assert len(logs) == 2 and all(logs.values())
    # The stand-in serves a log for every pod it runs; an empty one is what a silent container gives.
    silent = {**logs, next(iter(logs)): []}
    monkeypatch.setattr(library, "get_pod_log_lines", lambda lines=None, pods=None: silent)
    message = failure_of(library.pod_logs_should_be_readable)
    assert re.search(rf"namespace 'panda': the log of 1 of 2 pod\(s\) is empty: {next(iter(logs))}$", message)


def test_missing_service_names_the_services_present(connect):
    library = connect()
    with pytest.raises(AssertionError, match=r"service 'focus' not found; services present: panda-panda-focus-server"):
        library.service_should_exist("focus")


def test_configuration_problem_is_not_checked_naming_the_file(connect, monkeypatch, tmp_path):
    connect()
    monkeypatch.setenv("FOCUS_ENVIRONMENTS_FILE", str(tmp_path / "absent.yaml"))
    message = failure_of(KubernetesLibrary("lab").connect_to_kubernetes, SettingsUnusable)
    assert message == (
        "Kubernetes API not checked, the environment's settings are unusable: configuration file not found: "
        f"{tmp_path / 'absent.yaml'}"
    )


@pytest.mark.parametrize(
    ("overrides", "key", "path"),
    [
        ({"ca_file": "/nonexistent/ca.crt"}, "kubernetes.ca_file", "/nonexistent/ca.crt"),
        (
            {"api_server": None, "token": None, "ca_file": None, "kubeconfig": "/nonexistent/kubeconfig"},
            "kubernetes.kubeconfig",
            "/nonexistent/kubeconfig",
        ),
    ],
)
def test_a_file_named_in_the_settings_that_is_not_there_is_not_checked(connect, overrides, key, path):
    message = failure_of(lambda: connect(**overrides), SettingsUnusable)
    assert message.endswith(f"environment 'lab': {key} {path} does not exist")


def test_close_all_closes_every_connection_and_keywords_never_reconnect_by_themselves(connect):
    library = connect()
    library.connect_to_kubernetes(alias="second")
    connections = [library._connections.get(alias) for alias in ("default", "second")]
    library.close_all_kubernetes_connections()
    library.close_all_kubernetes_connections()
    assert [connection.closed for connection in connections] == [True, True]
    message = failure_of(library.get_cluster_version, RuntimeError)
    assert message == "Kubernetes API: no open connection; open one with `Connect To Kubernetes` first"


# --- pure logic -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("restarts", "verdict"),
    [
        (0, "fine"),
        (2, "fine"),
        (3, "acceptable"),
        (5, "acceptable"),
        (6, "unstable"),
        (10, "unstable"),
        (11, "crash loop"),
    ],
)
def test_restart_counts_are_classified_per_the_briefing(restarts, verdict):
    assert classify_restarts(restarts) == verdict


def test_pending_pod_without_container_statuses_summarizes_without_crashing():
    pending = {
        "metadata": {"name": "p-1", "namespace": "panda"},
        "status": {
            "phase": "Pending",
            "conditions": [
                {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/3 nodes"}
            ],
        },
    }
    pod = summarize_pod(pending)
    assert (pod["ready"], pod["restarts"], pod["containers"]) == (False, 0, [])
    assert describe_pod(pod) == (
        "pod p-1: phase Pending; condition PodScheduled=False (Unschedulable: 0/3 nodes); no container statuses yet"
    )


def test_terminated_container_reports_its_reason():
    pod = summarize_pod(
        {
            "metadata": {"name": "p-2"},
            "status": {
                "phase": "Failed",
                "containerStatuses": [
                    {"name": "app", "ready": False, "restartCount": 0, "state": {"terminated": {"reason": "Error"}}}
                ],
            },
        }
    )
    assert pod["containers"][0] == {
        "name": "app",
        "ready": False,
        "restart_count": 0,
        "state": "terminated",
        "state_reason": "Error",
        "last_termination_reason": "",
        "last_termination": None,
    }


def api_error(status: int, message: str) -> k8s.ApiException:
    error = k8s.ApiException(status=status, reason="")
    error.body = json.dumps({"kind": "Status", "message": message})
    return error


def test_forbidden_names_verb_resource_and_the_servers_reason():
    message = 'pods is forbidden: User "qa" cannot list resource "pods" in the namespace "panda"'
    assert _api_exception_cause(api_error(403, message), "list", "pods in namespace 'panda'") == (
        f"forbidden (403): not allowed to list pods in namespace 'panda' ({message})"
    )


def test_not_found_quotes_the_server():
    assert _api_exception_cause(api_error(404, 'pods "x" not found'), "read", "pod x") == (
        'not found (404): pods "x" not found'
    )


def test_connections_are_kept_by_alias_and_switched(connect):
    library = connect()
    second = library.connect_to_kubernetes(alias="second")
    assert (second.index, second.alias) == (2, "second")
    assert second.target.startswith("https://127.0.0.1:")
    library.switch_kubernetes_connection("default")
    assert library.get_cluster_version()
    assert "no open connection 'prod'; open: ['default', 'second']" in failure_of(
        lambda: library.switch_kubernetes_connection("prod"), RuntimeError
    )


@pytest.mark.parametrize("cluster", ["kube-apiserver"], indirect=True)  # the stand-in has no authorizer
def test_the_suites_token_may_read_but_the_real_authorizer_refuses_any_write(connect):
    library = connect()
    api = k8s.CoreV1Api(library._connections.get().api_client)
    assert "panda" in library.get_namespaces()
    for write in (
        lambda: api.create_namespace({"metadata": {"name": "written-by-the-suite"}}, _request_timeout=5),
        lambda: api.delete_namespaced_pod(CRASHING_POD, "panda", _request_timeout=5),
        lambda: api.patch_namespaced_service(
            "panda-panda-focus-server", "panda", {"spec": {"ports": [{"port": 5001}]}}, _request_timeout=5
        ),
    ):
        with pytest.raises(k8s.ApiException) as refused:
            write()
        assert refused.value.status == 403
        assert 'User "focus-suite" cannot' in json.loads(refused.value.body)["message"]


def test_connect_takes_the_alias_then_the_environment_as_every_library_does(connect):
    library = connect()
    opened = library.connect_to_kubernetes("explicit", "lab")
    assert opened.alias == "explicit" and opened.target.startswith("https://127.0.0.1:")
    message = failure_of(lambda: library.connect_to_kubernetes("elsewhere", "nowhere"), SettingsUnusable)
    assert message.startswith("Kubernetes API not checked, the environment's settings are unusable: environment ")
    assert "'nowhere' not found" in message
