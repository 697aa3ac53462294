"""The Kubernetes API stand-in, seen through the unchanged official Python client and the real kubectl binary."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import urllib3
from kubernetes import client as k8s

from lab.component import LabContext
from lab.kube_api import KubeApiComponent

KUBECTL = Path(sys.executable).parent / "kubectl"
PANDA_PODS = ["panda-panda-focus-server-7d9c8b6f5-k2x7q", "panda-panda-focus-server-7d9c8b6f5-w9lzm"]

Start = Callable[..., dict[str, str]]


@pytest.fixture
def start_cluster(tmp_path: Path) -> Iterator[Start]:
    """Starts the stand-in with the given faults; stops it after the test."""
    components = []

    def start(*faults: str) -> dict[str, str]:
        component = KubeApiComponent()
        published = component.start(LabContext(tmp_path / f"lab{len(components)}", faults=frozenset(faults)))
        components.append(component)
        return published

    yield start
    for component in components:
        component.stop()


def api_client(published: dict[str, str], token: str | None = None) -> k8s.ApiClient:
    configuration = k8s.Configuration(host=published["LAB_K8S_API"])
    configuration.api_key = {"authorization": token or published["LAB_K8S_TOKEN"]}
    configuration.api_key_prefix = {"authorization": "Bearer"}
    configuration.ssl_ca_cert = published["LAB_K8S_CA"]
    configuration.retries = False
    return k8s.ApiClient(configuration)


def core_api(published: dict[str, str]) -> k8s.CoreV1Api:
    return k8s.CoreV1Api(api_client(published))


def raw_get(published: dict[str, str], path: str, token: str | None = None, accept: str = "application/json"):
    pool = urllib3.PoolManager(ca_certs=published["LAB_K8S_CA"], retries=False)
    headers = {"Accept": accept}
    if token != "":
        headers["Authorization"] = f"Bearer {token or published['LAB_K8S_TOKEN']}"
    return pool.request("GET", published["LAB_K8S_API"] + path, headers=headers, timeout=5)


def kubectl(published: dict[str, str], tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    command = [str(KUBECTL), "--kubeconfig", published["LAB_KUBECONFIG"], "--cache-dir", str(tmp_path / "cache")]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=30, check=False)


# --- the official Python client -------------------------------------------------------------------------------


def test_publishes_https_url_token_ca_and_kubeconfig(start_cluster):
    published = start_cluster()
    assert published["LAB_K8S_API"].startswith("https://127.0.0.1:")
    assert Path(published["LAB_K8S_CA"]).is_file()
    assert Path(published["LAB_KUBECONFIG"]).stat().st_mode & 0o077 == 0


def test_version_reports_the_1_37_cluster_the_real_control_plane_is(start_cluster):
    info = k8s.VersionApi(api_client(start_cluster())).get_code(_request_timeout=5)
    assert (info.major, info.minor, info.git_version) == ("1", "37", "v1.37.2")


def test_namespaces_and_panda_pods_are_listed(start_cluster):
    core = core_api(start_cluster())
    assert [ns.metadata.name for ns in core.list_namespace(_request_timeout=5).items] == [
        "default",
        "kube-node-lease",
        "kube-public",
        "kube-system",
        "panda",
    ]
    pods = core.list_namespaced_pod("panda", _request_timeout=5).items
    assert [pod.metadata.name for pod in pods] == PANDA_PODS
    assert {pod.status.phase for pod in pods} == {"Running"}
    assert [pod.status.container_statuses[0].restart_count for pod in pods] == [0, 1]


def test_list_items_carry_no_kind_like_the_real_server(start_cluster):
    body = json.loads(raw_get(start_cluster(), "/api/v1/namespaces/panda/pods").data)
    assert (body["kind"], body["apiVersion"]) == ("PodList", "v1")
    assert body["metadata"]["resourceVersion"]
    assert all("kind" not in item and "apiVersion" not in item for item in body["items"])


def test_label_and_field_selectors_filter_across_namespaces(start_cluster):
    core = core_api(start_cluster())
    by_label = core.list_pod_for_all_namespaces(label_selector="k8s-app=kube-dns", _request_timeout=5).items
    assert [pod.metadata.name for pod in by_label] == ["coredns-77ccd57875-9xqpv"]
    by_field = core.list_pod_for_all_namespaces(field_selector=f"metadata.name={PANDA_PODS[1]}", _request_timeout=5)
    assert [pod.metadata.name for pod in by_field.items] == [PANDA_PODS[1]]
    assert len(core.list_pod_for_all_namespaces(_request_timeout=5).items) == 3


def test_service_endpoints_and_deployment_describe_focus_server(start_cluster):
    published = start_cluster()
    core = core_api(published)
    service = core.read_namespaced_service("panda-panda-focus-server", "panda", _request_timeout=5)
    assert (service.spec.type, service.spec.cluster_ip, service.spec.ports[0].port) == (
        "ClusterIP",
        "10.43.103.101",
        5000,
    )
    endpoints = core.read_namespaced_endpoints("panda-panda-focus-server", "panda", _request_timeout=5)
    assert [address.ip for address in endpoints.subsets[0].addresses] == ["10.42.0.37", "10.42.1.21"]
    deployment = k8s.AppsV1Api(api_client(published)).read_namespaced_deployment(
        "panda-panda-focus-server", "panda", _request_timeout=5
    )
    assert deployment.status.ready_replicas == 2


def test_pod_log_returns_the_last_lines_as_text(start_cluster):
    log = core_api(start_cluster()).read_namespaced_pod_log(PANDA_PODS[0], "panda", tail_lines=2, _request_timeout=5)
    assert log.splitlines()[-1].endswith("GET /health 200 (ready)")
    assert len(log.splitlines()) == 2


def test_missing_pod_is_a_404_status_like_the_real_server(start_cluster):
    with pytest.raises(k8s.ApiException) as raised:
        core_api(start_cluster()).read_namespaced_pod("nope", "panda", _request_timeout=5)
    status = json.loads(raised.value.body)
    assert raised.value.status == 404
    assert (status["kind"], status["reason"], status["message"]) == ("Status", "NotFound", 'pods "nope" not found')


def test_unknown_path_is_a_404_status(start_cluster):
    response = raw_get(start_cluster(), "/api/v1/widgets")
    assert response.status == 404
    assert json.loads(response.data)["message"] == "the server could not find the requested resource"


@pytest.mark.parametrize("token", ["", "not-the-token"])
def test_missing_or_wrong_token_is_a_401_status(start_cluster, token):
    response = raw_get(start_cluster(), "/api/v1/namespaces", token=token)
    status = json.loads(response.data)
    assert response.status == 401
    assert status == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }


def test_the_bearer_scheme_is_case_insensitive_as_kube_apiserver_reads_it(start_cluster):
    published = start_cluster()
    pool = urllib3.PoolManager(ca_certs=published["LAB_K8S_CA"], retries=False)
    # The client's in-cluster loader (the pod's service account) writes the scheme in lower case.
    headers = {"Accept": "application/json", "Authorization": f"bearer {published['LAB_K8S_TOKEN']}"}
    response = pool.request("GET", published["LAB_K8S_API"] + "/api/v1/namespaces", headers=headers, timeout=5)
    assert response.status == 200


def test_writes_are_refused_because_the_stand_in_is_read_only(start_cluster):
    with pytest.raises(k8s.ApiException) as raised:
        core_api(start_cluster()).delete_namespaced_pod(PANDA_PODS[0], "panda", _request_timeout=5)
    assert raised.value.status == 405


def test_pod_table_has_the_columns_kubectl_prints(start_cluster):
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    table = json.loads(raw_get(start_cluster(), "/api/v1/namespaces/panda/pods", accept=accept).data)
    assert table["kind"] == "Table"
    assert [column["name"] for column in table["columnDefinitions"]][:5] == [
        "Name",
        "Ready",
        "Status",
        "Restarts",
        "Age",
    ]
    assert [row["cells"][2] for row in table["rows"]] == ["Running", "Running"]


# --- fault overlays --------------------------------------------------------------------------------------------


def test_pod_not_ready_fault_leaves_one_pod_running_but_not_ready(start_cluster):
    pod = core_api(start_cluster("pod-not-ready")).read_namespaced_pod(PANDA_PODS[1], "panda", _request_timeout=5)
    ready = next(condition for condition in pod.status.conditions if condition.type == "Ready")
    assert (pod.status.phase, ready.status, ready.reason) == ("Running", "False", "ContainersNotReady")


def test_crashloop_fault_shows_restarts_backoff_and_oom_kill(start_cluster):
    pod = core_api(start_cluster("pod-crashloop")).read_namespaced_pod(PANDA_PODS[0], "panda", _request_timeout=5)
    container = pod.status.container_statuses[0]
    assert container.restart_count == 7
    assert container.state.waiting.reason == "CrashLoopBackOff"
    assert container.last_state.terminated.reason == "OOMKilled"


def test_wrong_cluster_ip_fault_changes_only_the_service(start_cluster):
    core = core_api(start_cluster("service-wrong-clusterip"))
    assert core.read_namespaced_service("panda-panda-focus-server", "panda", _request_timeout=5).spec.cluster_ip == (
        "10.43.99.99"
    )
    assert len(core.list_namespaced_pod("panda", _request_timeout=5).items) == 2


def test_namespace_missing_fault_removes_the_namespace_and_everything_in_it(start_cluster):
    core = core_api(start_cluster("k8s-namespace-missing"))
    assert "panda" not in [ns.metadata.name for ns in core.list_namespace(_request_timeout=5).items]
    assert core.list_namespaced_pod("panda", _request_timeout=5).items == []
    assert core.list_service_for_all_namespaces(_request_timeout=5).items[0].metadata.namespace != "panda"


def test_bad_token_fault_publishes_a_token_the_server_rejects(start_cluster):
    with pytest.raises(k8s.ApiException) as raised:
        core_api(start_cluster("k8s-bad-token")).list_namespace(_request_timeout=5)
    assert raised.value.status == 401


def test_api_down_fault_publishes_a_port_where_nothing_listens(start_cluster):
    with pytest.raises(urllib3.exceptions.NewConnectionError, match="refused"):
        core_api(start_cluster("k8s-api-down")).list_namespace(_request_timeout=5)


def test_faults_of_other_components_are_ignored(start_cluster):
    core = core_api(start_cluster("mongo-down"))
    assert len(core.list_namespaced_pod("panda", _request_timeout=5).items) == 2


# --- server life cycle -----------------------------------------------------------------------------------------


def test_a_bare_tcp_probe_does_not_disturb_the_server(start_cluster):
    published = start_cluster()
    port = int(published["LAB_K8S_API"].rsplit(":", 1)[1])
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert core_api(published).list_namespace(_request_timeout=5).items


def test_stop_closes_the_port_and_ends_every_thread(tmp_path):
    threads_before = set(threading.enumerate())
    component = KubeApiComponent()
    published = component.start(LabContext(tmp_path))
    client = api_client(published)  # keeps a keep-alive connection open across stop()
    k8s.CoreV1Api(client).list_namespace(_request_timeout=5)
    component.stop()
    port = int(published["LAB_K8S_API"].rsplit(":", 1)[1])
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)
    assert set(threading.enumerate()) <= threads_before
    client.close()


def test_certificate_is_valid_for_127_0_0_1_under_default_verification(start_cluster):
    published = start_cluster()
    context = ssl.create_default_context(cafile=published["LAB_K8S_CA"])
    port = int(published["LAB_K8S_API"].rsplit(":", 1)[1])
    with (
        socket.create_connection(("127.0.0.1", port), timeout=2) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        assert tls.version()


# --- the real kubectl binary -----------------------------------------------------------------------------------


def test_kubectl_get_pods_lists_two_running_focus_server_pods(start_cluster, tmp_path):
    result = kubectl(start_cluster(), tmp_path, "get", "pods", "-n", "panda")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert [line.split()[0] for line in lines[1:]] == PANDA_PODS
    assert [line.split()[2] for line in lines[1:]] == ["Running", "Running"]


def test_kubectl_get_namespaces_services_and_version(start_cluster, tmp_path):
    published = start_cluster()
    namespaces = kubectl(published, tmp_path, "get", "ns")
    assert [line.split()[0] for line in namespaces.stdout.splitlines()[1:]] == [
        "default",
        "kube-node-lease",
        "kube-public",
        "kube-system",
        "panda",
    ]
    services = kubectl(published, tmp_path, "get", "svc", "-n", "panda")
    assert services.stdout.splitlines()[1].split()[:5] == [
        "panda-panda-focus-server",
        "ClusterIP",
        "10.43.103.101",
        "<none>",
        "5000/TCP",
    ]
    version = kubectl(published, tmp_path, "version")
    assert version.returncode == 0, version.stderr
    assert "Server Version: v1.37.2" in version.stdout
    assert "WARNING" not in version.stderr  # client and server are both 1.37: no version skew


def test_kubectl_shows_crashloop_status(start_cluster, tmp_path):
    result = kubectl(start_cluster("pod-crashloop"), tmp_path, "get", "pods", "-n", "panda")
    assert result.stdout.splitlines()[1].split()[1:4] == ["0/1", "CrashLoopBackOff", "7"]


def test_kubectl_logs_tail(start_cluster, tmp_path):
    result = kubectl(start_cluster(), tmp_path, "logs", "-n", "panda", PANDA_PODS[1], "--tail=1")
    assert result.stdout.strip().endswith("GET /health 200 (ready)")


def test_kubectl_reports_unauthorized_for_a_bad_token(start_cluster, tmp_path):
    result = kubectl(start_cluster("k8s-bad-token"), tmp_path, "get", "pods", "-n", "panda")
    assert result.returncode == 1
    assert "You must be logged in to the server" in result.stderr  # kubectl's wording for a 401


# --- the kinds the Kubernetes keywords read (their faults: test_kube_objects_and_faults.py) --------------------


def test_workloads_nodes_claims_config_maps_and_jobs_are_served_as_the_real_server_serves_them(start_cluster):
    published = start_cluster()
    paths = {
        "/apis/apps/v1/namespaces/panda/deployments/panda-panda-focus-server": "Deployment",
        "/api/v1/nodes/panda-node-1": "Node",
        "/api/v1/namespaces/panda/persistentvolumeclaims/panda-focus-server-recordings": "PersistentVolumeClaim",
        "/api/v1/namespaces/panda/configmaps/panda-panda-focus-server-config": "ConfigMap",
        "/apis/batch/v1/namespaces/panda/cronjobs/panda-recordings-cleanup": "CronJob",
        "/apis/batch/v1/namespaces/panda/jobs/panda-recordings-cleanup-29400000": "Job",
    }
    for path, kind in paths.items():
        answer = raw_get(published, path)
        assert (answer.status, json.loads(answer.data)["kind"]) == (200, kind), path
    assert json.loads(raw_get(published, "/api/v1/nodes").data)["kind"] == "NodeList"
    assert raw_get(published, "/api/v1/namespaces/panda/nodes").status == 404  # cluster-scoped


def test_two_kubernetes_faults_together_both_apply(start_cluster):
    published = start_cluster("rollout-stuck", "node-not-ready", "pvc-pending", "configmap-wrong-mongo")
    deployment = json.loads(
        raw_get(published, "/apis/apps/v1/namespaces/panda/deployments/panda-panda-focus-server").data
    )
    assert (deployment["status"]["updatedReplicas"], deployment["spec"]["replicas"]) == (1, 3)
    nodes = json.loads(raw_get(published, "/api/v1/nodes").data)["items"]
    assert [node["metadata"]["name"] for node in nodes] == ["panda-node-1", "panda-node-2"]
    claim = json.loads(
        raw_get(published, "/api/v1/namespaces/panda/persistentvolumeclaims/panda-focus-server-recordings").data
    )
    assert claim["status"]["phase"] == "Pending"
    config = json.loads(raw_get(published, "/api/v1/namespaces/panda/configmaps/panda-panda-focus-server-config").data)
    assert config["data"]["MONGODB_HOST"] == "mongo-old.panda.svc.cluster.local"


def test_set_based_label_selectors_select_as_the_real_server_does(start_cluster):
    core = core_api(start_cluster("rollout-stuck"))
    chosen = core.list_namespaced_pod(
        "panda", label_selector="pod-template-hash in (5f6d7c8b9,other)", _request_timeout=5
    )
    assert [pod.metadata.name for pod in chosen.items] == ["panda-panda-focus-server-5f6d7c8b9-x4m2p"]
    others = core.list_namespaced_pod("panda", label_selector="pod-template-hash notin (5f6d7c8b9)", _request_timeout=5)
    assert [pod.metadata.name for pod in others.items] == PANDA_PODS


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("labelSelector=a%20b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
        ("labelSelector=a%3Db,", "found '', expected: identifier after ','"),
        ("fieldSelector=metadata.labels.app%3Dx", "field label not supported: metadata.labels.app"),
        ("fieldSelector=metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"),
    ],
)
def test_a_selector_the_real_server_refuses_is_a_400_with_its_message(start_cluster, query, message):
    response = raw_get(start_cluster(), f"/api/v1/namespaces/panda/pods?{query}")
    assert (response.status, json.loads(response.data)["message"]) == (400, message)


def test_a_field_the_kind_does_not_select_on_is_refused_as_the_real_server_refuses_it(start_cluster):
    response = raw_get(start_cluster(), "/apis/apps/v1/namespaces/panda/deployments?fieldSelector=status.replicas%3D2")
    assert json.loads(response.data)["message"] == (
        '"status.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"'
    )


def test_kubectl_prints_the_new_kinds_with_the_real_servers_columns(start_cluster, tmp_path):
    published = start_cluster("rollout-stuck")
    headers = {
        "nodes": ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
        "configmaps": ["NAME", "DATA", "AGE"],
        "pvc": [
            "NAME",
            "STATUS",
            "VOLUME",
            "CAPACITY",
            "ACCESS",
            "MODES",
            "STORAGECLASS",
            "VOLUMEATTRIBUTESCLASS",
            "AGE",
        ],
        "replicasets": ["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
        "jobs": ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"],
        "cronjobs": ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST", "SCHEDULE", "AGE"],
        "events": ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
    }
    for kind, header in headers.items():
        result = kubectl(published, tmp_path, "get", kind, "-n", "panda")
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[0].split() == header, kind
    replica_sets = kubectl(published, tmp_path, "get", "rs", "-n", "panda").stdout.splitlines()[1:]
    assert [line.split()[:4] for line in replica_sets] == [
        ["panda-panda-focus-server-5f6d7c8b9", "1", "1", "0"],
        ["panda-panda-focus-server-7d9c8b6f5", "2", "2", "2"],
    ]
    job = kubectl(published, tmp_path, "get", "jobs", "-n", "panda").stdout.splitlines()[1]
    assert job.split()[1:3] == ["Complete", "1/1"]
