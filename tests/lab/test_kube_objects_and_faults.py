"""The kinds beyond pods the lab's Kubernetes serves (Deployment, ReplicaSet, Node, ConfigMap, PVC, CronJob, Job,
events), healthy and under each fault that breaks one of them, on the stand-in and on the real control plane alike:
what the Kubernetes keywords read must be there, as the suite's read-only user reads it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import urllib3

from lab.component import LabContext
from lab.go_binaries import cached
from lab.kube_api import KubeApiComponent
from lab.kube_api.store import ObjectStore
from lab.kube_cluster import KubeClusterComponent

NAMESPACE = "/api/v1/namespaces/panda"
DEPLOYMENT = "/apis/apps/v1/namespaces/panda/deployments/panda-panda-focus-server"
CONFIG_MAP = f"{NAMESPACE}/configmaps/panda-panda-focus-server-config"
CLAIM = f"{NAMESPACE}/persistentvolumeclaims/panda-focus-server-recordings"
CRONJOB = "/apis/batch/v1/namespaces/panda/cronjobs/panda-recordings-cleanup"
JOB = "/apis/batch/v1/namespaces/panda/jobs/panda-recordings-cleanup-29400000"
STUCK_POD = "panda-panda-focus-server-5f6d7c8b9-x4m2p"
NEW_FAULTS = ["rollout-stuck", "node-not-ready", "pvc-pending", "warning-event-storm", "configmap-wrong-mongo"]
REAL_BUILT = cached("kube-apiserver") is not None

#: Real control planes kept running per test process (each some 440 MB, the controller manager included); the oldest
#: one is stopped for another.
KEPT = 2


class Lab:
    """A started lab Kubernetes: GETs as the suite's user (its token, the lab's CA), and when it started."""

    def __init__(self, component, published: dict[str, str], started: datetime) -> None:
        self.component, self.started = component, started
        self._url = published["LAB_K8S_API"]
        self._pool = urllib3.PoolManager(ca_certs=published["LAB_K8S_CA"], retries=False)
        self._headers = {"Authorization": f"Bearer {published['LAB_K8S_TOKEN']}", "Accept": "application/json"}

    def __call__(self, path: str) -> tuple[int, dict]:
        answer = self._pool.request("GET", self._url + path, headers=self._headers, timeout=10)
        return answer.status, json.loads(answer.data)

    def before_start(self, timestamp: str) -> timedelta:
        return self.started - datetime.fromisoformat(timestamp)


class Clusters:
    """Lab Kubernetes per (implementation, faults), started on first use; the last KEPT of each kept running."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._started: dict[tuple[str, frozenset[str]], Lab] = {}
        self._count = 0

    def get(self, implementation: str, *faults: str) -> Lab:
        key = (implementation, frozenset(faults))
        if key not in self._started:
            same = [other for other in self._started if other[0] == implementation]
            for oldest in same[: max(0, len(same) - KEPT + 1)]:
                self._started.pop(oldest).component.stop()
            component = KubeApiComponent() if implementation == "stand-in" else KubeClusterComponent()
            self._count += 1
            started = datetime.now(UTC)
            published = component.start(LabContext(self._folder / f"{implementation}-{self._count}", faults=key[1]))
            self._started[key] = Lab(component, published, started)
        return self._started[key]

    def stop(self) -> None:
        for started in self._started.values():
            started.component.stop()


@pytest.fixture(scope="module")
def clusters(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clusters]:
    started = Clusters(tmp_path_factory.mktemp("kube"))
    yield started
    started.stop()


@pytest.fixture(params=["stand-in", "kube-apiserver"])
def implementation(request) -> str:
    if request.param == "kube-apiserver" and not REAL_BUILT:
        pytest.skip("the real control plane is not built here (python -m lab build)")
    return request.param


@pytest.fixture
def lab(clusters: Clusters, implementation: str) -> Callable[..., Lab]:
    """``lab(*faults)``: the lab's Kubernetes with those faults, read as the suite's user."""
    return lambda *faults: clusters.get(implementation, *faults)


def read(get: Lab, path: str) -> dict:
    status, body = get(path)
    assert status == 200, (path, body)
    return body


def names(get: Lab, path: str) -> list[str]:
    return [item["metadata"]["name"] for item in read(get, path)["items"]]


def conditions(obj: dict) -> dict[str, dict]:
    return {condition["type"]: condition for condition in obj["status"].get("conditions") or []}


def ago(timestamp: str) -> timedelta:
    return datetime.now(UTC) - datetime.fromisoformat(timestamp)


def recent_events(get: Lab, within: timedelta = timedelta(hours=1), selector: str = "type=Warning") -> list[dict]:
    """The events ``selector`` selects that last happened ``within`` before the lab started (Warning by default)."""
    events = read(get, f"{NAMESPACE}/events?fieldSelector={quote(selector)}")["items"]
    return [event for event in events if get.before_start(happened(event)) < within]


def happened(event: dict) -> str:
    """When an event last happened: a core/v1 event's ``lastTimestamp``; an events.k8s.io one (a component that
    records through the newer API) has only its series' or its own ``eventTime``."""
    series = event.get("series") or {}
    return event.get("lastTimestamp") or series.get("lastObservedTime") or event["eventTime"]


# --- healthy ---------------------------------------------------------------------------------------------------


def test_the_healthy_deployment_is_rolled_out_and_has_observed_its_generation(lab):
    deployment = read(lab(), DEPLOYMENT)
    status = deployment["status"]
    assert status["observedGeneration"] == deployment["metadata"]["generation"]
    assert [status[key] for key in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas")] == [2] * 4
    assert "unavailableReplicas" not in status
    found = {kind: (c["status"], c["reason"]) for kind, c in conditions(deployment).items()}
    assert found == {
        "Available": ("True", "MinimumReplicasAvailable"),
        "Progressing": ("True", "NewReplicaSetAvailable"),
    }


def test_the_healthy_replica_set_owns_the_pods_and_is_owned_by_the_deployment(lab):
    get = lab()
    deployment = read(get, DEPLOYMENT)
    [replica_set] = read(get, "/apis/apps/v1/namespaces/panda/replicasets")["items"]
    assert replica_set["metadata"]["ownerReferences"][0]["uid"] == deployment["metadata"]["uid"]
    assert replica_set["status"]["readyReplicas"] == 2
    pods = read(get, f"{NAMESPACE}/pods")["items"]
    assert {pod["metadata"]["ownerReferences"][0]["uid"] for pod in pods} == {replica_set["metadata"]["uid"]}


def test_the_healthy_cluster_has_one_ready_node_without_pressure(lab):
    [node] = read(lab(), "/api/v1/nodes")["items"]
    assert node["metadata"]["name"] == "panda-node-1"
    found = {kind: condition["status"] for kind, condition in conditions(node).items()}
    assert {kind: found[kind] for kind in ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")} == {
        "Ready": "True",
        "MemoryPressure": "False",
        "DiskPressure": "False",
        "PIDPressure": "False",
    }
    assert not node["spec"].get("taints")  # the API server's not-ready taint of a new node is lifted, as it would be


def test_the_healthy_config_map_names_the_labs_mongodb(lab):
    assert read(lab(), CONFIG_MAP)["data"] == {
        "MONGODB_HOST": "127.0.0.1",
        "MONGODB_DATABASE": "prisma",
        "LOG_LEVEL": "info",
    }


def test_the_healthy_recordings_claim_is_bound_to_50_gibibytes_of_local_path(lab):
    claim = read(lab(), CLAIM)
    assert (claim["spec"]["accessModes"], claim["spec"]["storageClassName"]) == (["ReadWriteOnce"], "local-path")
    assert claim["spec"]["resources"]["requests"]["storage"] == "50Gi"
    assert (claim["status"]["phase"], claim["status"]["capacity"]["storage"]) == ("Bound", "50Gi")


def test_the_clean_up_cronjob_last_succeeded_20_minutes_before_the_lab_started(lab):
    get = lab()
    cronjob = read(get, CRONJOB)
    assert cronjob["spec"]["schedule"] == "0 * * * *"
    for key in ("lastScheduleTime", "lastSuccessfulTime"):
        assert timedelta(minutes=18) < get.before_start(cronjob["status"][key]) < timedelta(minutes=21), key


def test_the_clean_up_job_is_owned_by_its_cronjob_and_completed(lab):
    get = lab()
    job, cronjob = read(get, JOB), read(get, CRONJOB)
    [owner] = job["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["uid"]) == (
        "CronJob",
        cronjob["metadata"]["name"],
        cronjob["metadata"]["uid"],
    )
    assert job["metadata"]["labels"]["focus-lab.io/cronjob"] == "panda-recordings-cleanup"
    found = {kind: condition["status"] for kind, condition in conditions(job).items()}
    assert found == {"SuccessCriteriaMet": "True", "Complete": "True"}
    assert job["status"]["succeeded"] == 1
    for key in ("startTime", "completionTime"):
        assert timedelta(minutes=18) < get.before_start(job["status"][key]) < timedelta(minutes=21), key
    selected = names(
        get, "/apis/batch/v1/namespaces/panda/jobs?labelSelector=focus-lab.io/cronjob%3Dpanda-recordings-cleanup"
    )
    assert selected == ["panda-recordings-cleanup-29400000"]


def test_the_healthy_namespace_has_recent_normal_events_and_no_warning_in_the_last_hour(lab):
    get = lab()
    assert recent_events(get) == []
    normal = recent_events(get, selector="type=Normal,involvedObject.kind=CronJob")
    assert sorted(event["reason"] for event in normal) == ["SawCompletedJob", "SuccessfulCreate"]


# --- the faults ------------------------------------------------------------------------------------------------


def test_rollout_stuck_stalls_revision_5_past_its_deadline_with_one_of_three_replicas_updated(lab):
    deployment = read(lab("rollout-stuck"), DEPLOYMENT)
    status = deployment["status"]
    assert deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "5"
    assert status["observedGeneration"] == deployment["metadata"]["generation"]
    counts = ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas")
    assert [status[key] for key in counts] == [3, 1, 2, 2, 1]
    progressing = conditions(deployment)["Progressing"]
    assert (progressing["status"], progressing["reason"], progressing["message"]) == (
        "False",
        "ProgressDeadlineExceeded",
        'ReplicaSet "panda-panda-focus-server-5f6d7c8b9" has timed out progressing.',
    )


def test_rollout_stuck_adds_a_running_pod_that_is_never_ready_and_a_recent_readiness_warning(lab):
    get = lab("rollout-stuck")
    pod = read(get, f"{NAMESPACE}/pods/{STUCK_POD}")
    assert (pod["status"]["phase"], conditions(pod)["Ready"]["status"]) == ("Running", "False")
    assert len(names(get, f"{NAMESPACE}/pods")) == 3
    [warning] = recent_events(get, timedelta(minutes=10), f"type=Warning,involvedObject.name={STUCK_POD}")
    assert (warning["reason"], warning["message"]) == (
        "Unhealthy",
        "Readiness probe failed: HTTP probe failed with statuscode: 503",
    )


def test_node_not_ready_adds_a_node_whose_kubelet_stopped_posting_status_under_memory_pressure(lab):
    nodes = read(lab("node-not-ready"), "/api/v1/nodes")["items"]
    assert [node["metadata"]["name"] for node in nodes] == ["panda-node-1", "panda-node-2"]
    first, second = (conditions(node) for node in nodes)
    assert first["Ready"]["status"] == "True"
    assert "kwok.x-k8s.io/node" not in (nodes[1]["metadata"].get("annotations") or {})
    ready, memory = second["Ready"], second["MemoryPressure"]
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "Unknown",
        "NodeStatusUnknown",
        "Kubelet stopped posting node status.",
    )
    assert (memory["status"], memory["reason"]) == ("True", "KubeletHasInsufficientMemory")


def test_pvc_pending_leaves_the_claim_pending_with_a_recent_provisioning_failure(lab):
    get = lab("pvc-pending")
    assert read(get, CLAIM)["status"]["phase"] == "Pending"
    selector = (
        "type=Warning,involvedObject.kind=PersistentVolumeClaim,involvedObject.name=panda-focus-server-recordings"
    )
    [warning] = recent_events(get, timedelta(minutes=10), selector)
    assert (warning["reason"], warning["message"]) == (
        "ProvisioningFailed",
        'storageclass.storage.k8s.io "local-path" not found',
    )


def test_warning_event_storm_is_forty_recent_warnings_about_pods_that_stay_ready(lab):
    get = lab("warning-event-storm")
    storm = recent_events(get, timedelta(minutes=10))
    assert len(storm) == 40
    assert {event["reason"] for event in storm} == {"BackOff", "FailedMount", "Unhealthy"}
    assert all(event["count"] >= 1 and event["involvedObject"]["kind"] == "Pod" for event in storm)
    pods = read(get, f"{NAMESPACE}/pods")["items"]
    assert {event["involvedObject"]["name"] for event in storm} == {pod["metadata"]["name"] for pod in pods}
    assert all(conditions(pod)["Ready"]["status"] == "True" for pod in pods)
    assert read(get, DEPLOYMENT)["status"]["readyReplicas"] == 2


def test_configmap_wrong_mongo_names_the_mongodb_of_before_the_migration(lab):
    assert read(lab("configmap-wrong-mongo"), CONFIG_MAP)["data"]["MONGODB_HOST"] == "mongo-old.panda.svc.cluster.local"


@pytest.mark.parametrize("fault", NEW_FAULTS)
def test_each_new_fault_leaves_the_objects_of_the_others_healthy(lab, fault):
    get = lab(fault)
    deployment = read(get, DEPLOYMENT)
    assert (deployment["status"]["updatedReplicas"] == 2) == (fault != "rollout-stuck")
    assert (names(get, "/api/v1/nodes") == ["panda-node-1"]) == (fault != "node-not-ready")
    assert (read(get, CLAIM)["status"]["phase"] == "Bound") == (fault != "pvc-pending")
    assert (read(get, CONFIG_MAP)["data"]["MONGODB_HOST"] == "127.0.0.1") == (fault != "configmap-wrong-mongo")
    assert (len(recent_events(get)) >= 40) == (fault == "warning-event-storm")


# --- the suite's read-only user --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nodes",
        f"{NAMESPACE}/configmaps",
        f"{NAMESPACE}/persistentvolumeclaims",
        "/apis/apps/v1/namespaces/panda/deployments",
        "/apis/apps/v1/statefulsets",
        "/apis/apps/v1/daemonsets",
        "/apis/apps/v1/namespaces/panda/replicasets",
        "/apis/batch/v1/namespaces/panda/jobs",
        "/apis/batch/v1/cronjobs",
    ],
)
def test_the_suite_may_list_the_new_kinds(lab, path):
    assert read(lab(), path)["kind"].endswith("List")


@pytest.mark.parametrize(
    ("path", "subject", "verb", "scope"),
    [
        (f"{NAMESPACE}/secrets", "secrets", "list", 'in the namespace "panda"'),
        (f"{NAMESPACE}/secrets/mongo", 'secrets "mongo"', "get", 'in the namespace "panda"'),
        ("/api/v1/secrets", "secrets", "list", "at the cluster scope"),
    ],
)
def test_secrets_are_forbidden_to_the_suite(lab, path, subject, verb, scope):
    status, body = lab()(path)
    message = f'{subject} is forbidden: User "focus-suite" cannot {verb} resource "secrets" in API group "" {scope}'
    assert (status, body["kind"], body["reason"], body["message"]) == (403, "Status", "Forbidden", message)


# --- the stand-in answers as the real API server does ----------------------------------------------------------

#: Requests whose answers (status, reason, message, details; or the names listed) must be the same on both.
SAME_ANSWERS = [
    "/apis/apps/v1/namespaces/panda/deployments/absent",
    "/apis/batch/v1/namespaces/panda/cronjobs/absent",
    "/api/v1/nodes/absent",
    f"{NAMESPACE}/configmaps/absent",
    "/api/v1/namespaces/panda/nodes",
    f"{NAMESPACE}/secrets/panda-mongodb-credentials",
    f"{NAMESPACE}/pods?labelSelector={quote('pod-template-hash in (7d9c8b6f5,other),app.kubernetes.io/name')}",
    f"{NAMESPACE}/pods?labelSelector={quote('pod-template-hash notin (7d9c8b6f5)')}",
    f"{NAMESPACE}/pods?labelSelector={quote('!pod-template-hash')}",
    f"{NAMESPACE}/pods?labelSelector={quote('app.kubernetes.io/instance!=other')}",
    f"{NAMESPACE}/pods?labelSelector={quote('a b')}",
    f"{NAMESPACE}/pods?labelSelector={quote('a in b')}",
    f"{NAMESPACE}/pods?labelSelector={quote('x==y=z')}",
    f"{NAMESPACE}/pods?labelSelector={quote('-bad-=x')}",
    f"{NAMESPACE}/pods?fieldSelector={quote('metadata.name=panda-panda-focus-server-7d9c8b6f5-w9lzm')}",
    f"{NAMESPACE}/pods?fieldSelector={quote('status.phase!=Running')}",
    f"{NAMESPACE}/pods?fieldSelector={quote('metadata.labels.app=x')}",
    f"{NAMESPACE}/pods?fieldSelector={quote('metadata.name')}",
    f"{NAMESPACE}/pods?fieldSelector={quote('metadata.name===x')}",
    "/api/v1/nodes?fieldSelector=spec.unschedulable%3Dfalse",
    "/api/v1/nodes?fieldSelector=metadata.namespace%3Dpanda",
    f"{NAMESPACE}/configmaps?fieldSelector={quote('metadata.name=panda-panda-focus-server-config')}",
    f"{NAMESPACE}/configmaps?fieldSelector={quote('data.MONGODB_HOST=127.0.0.1')}",
    f"{NAMESPACE}/persistentvolumeclaims?fieldSelector={quote('status.phase=Bound')}",
    f"{NAMESPACE}/events?fieldSelector={quote('involvedObject.kind=CronJob,type=Normal')}",
    f"{NAMESPACE}/events?fieldSelector={quote('reason=SawCompletedJob,source=cronjob-controller')}",
    f"{NAMESPACE}/events?fieldSelector={quote('involvedObject.name=panda-recordings-cleanup-29400000')}",
    f"{NAMESPACE}/events?fieldSelector={quote('message=x')}",
    "/apis/batch/v1/namespaces/panda/jobs?fieldSelector=status.successful%3D1",
    "/apis/batch/v1/namespaces/panda/jobs?fieldSelector=status.failed%3D0",
    "/apis/apps/v1/namespaces/panda/deployments?fieldSelector=status.replicas%3D2",
]


def answer(get: Lab, path: str) -> tuple:
    status, body = get(path)
    if body.get("kind") == "Status":
        return status, body["reason"], body["message"], body.get("details")
    return status, body["kind"], sorted(item["metadata"]["name"] for item in body["items"])


@pytest.mark.skipif(not REAL_BUILT, reason="the real control plane is not built here (python -m lab build)")
def test_the_stand_in_answers_reads_selectors_and_refusals_as_the_real_api_server(clusters):
    stand_in, real = clusters.get("stand-in"), clusters.get("kube-apiserver")
    differences = {path: (answer(stand_in, path), answer(real, path)) for path in SAME_ANSWERS}
    assert {path: both for path, both in differences.items() if both[0] != both[1]} == {}


# --- relative times in manifests -------------------------------------------------------------------------------


def test_a_relative_time_in_a_manifest_is_resolved_when_the_manifests_are_loaded(tmp_path):
    (tmp_path / "event.yaml").write_text(
        "kind: Event\nmetadata: {name: e, namespace: n}\n"
        'firstTimestamp: "<<now-2h>>"\nlastTimestamp: "<<now-90s>>"\neventTime: "<<now>>"\nmessage: "<<later>>"\n'
    )
    [event] = ObjectStore.load([tmp_path]).all()
    assert timedelta(hours=2) <= ago(event["firstTimestamp"]) < timedelta(hours=2, seconds=5)
    assert timedelta(seconds=90) <= ago(event["lastTimestamp"]) < timedelta(seconds=95)
    assert ago(event["eventTime"]) < timedelta(seconds=5)
    assert event["message"] == "<<later>>"  # not a time: left as it is
