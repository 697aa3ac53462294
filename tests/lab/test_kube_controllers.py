"""The real control plane's controllers compute what the suite reads: kube-controller-manager's Deployment,
ReplicaSet, endpoints and EndpointSlice controllers, from kwok's pods, while the lab runs; and the lab refuses to
start when they compute something other than its manifests say."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lab.component import LabContext
from lab.go_binaries import cached
from lab.kube_cluster import (
    CONTROL_PLANE,
    KUBECTL,
    KubeClusterComponent,
    _status_before_deadline,
    _status_differences,
)
from lab.ports import ClosedPort

pytestmark = pytest.mark.skipif(
    any(cached(name) is None for name in CONTROL_PLANE), reason="the real control plane is not built (lab build)"
)
SERVICE = "panda-panda-focus-server"
HEALTHY_PODS = {
    "panda-panda-focus-server-7d9c8b6f5-k2x7q": "10.42.0.37",
    "panda-panda-focus-server-7d9c8b6f5-w9lzm": "10.42.1.21",
}
STUCK = "rollout-stuck"


class Cluster:
    """A started real control plane, read and changed as the lab's own admin (the suite's user may only read)."""

    def __init__(self, folder: Path, faults: frozenset[str]) -> None:
        self.started = datetime.now(UTC).replace(microsecond=0)
        self.component = KubeClusterComponent()
        self.component.start(LabContext(folder, faults=faults))
        self._kubeconfig = folder / "kubernetes" / "admin.kubeconfig"

    def kubectl(self, *arguments: str) -> str:
        done = subprocess.run(
            [str(KUBECTL), f"--kubeconfig={self._kubeconfig}", "--request-timeout=10s", "-n", "panda", *arguments],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        return done.stdout

    def get(self, *what: str) -> dict:
        return json.loads(self.kubectl("get", *what, "-o", "json"))

    def until(self, condition, what: str, timeout_s: float = 30.0):
        """The first truthy ``condition()`` within ``timeout_s`` (a generous hang bound, not a timing check)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(0.2)
        pytest.fail(f"not within {timeout_s:g} s: {what}")


@pytest.fixture(scope="module")
def clusters(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Cluster]]:
    started: dict[str, Cluster] = {}

    def start(fault: str = "") -> Cluster:
        if fault not in started:
            folder = tmp_path_factory.mktemp(fault or "healthy")
            started[fault] = Cluster(folder, frozenset([fault] if fault else []))
        return started[fault]

    yield start
    for cluster in started.values():
        cluster.component.stop()


def ready_pods(endpoints: dict) -> tuple[dict[str, str], list[str]]:
    subsets = endpoints.get("subsets") or []
    ready = {a["targetRef"]["name"]: a["ip"] for s in subsets for a in s.get("addresses") or []}
    return ready, sorted(a["targetRef"]["name"] for s in subsets for a in s.get("notReadyAddresses") or [])


def test_the_endpoints_controllers_publish_the_ready_pods_with_their_manifest_addresses(clusters):
    cluster = clusters()
    assert ready_pods(cluster.get("endpoints", SERVICE)) == (HEALTHY_PODS, [])
    slices = cluster.get("endpointslices", "-l", f"kubernetes.io/service-name={SERVICE}")["items"]
    assert [s["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] for s in slices] == [
        "endpointslice-controller.k8s.io"
    ]
    assert {e["targetRef"]["name"]: e["addresses"][0] for e in slices[0]["endpoints"]} == HEALTHY_PODS


def test_the_deployment_controller_itself_finds_the_stuck_rollouts_deadline_exceeded(clusters):
    cluster = clusters(STUCK)
    status = cluster.get("deployment", SERVICE)["status"]
    progressing = next(c for c in status["conditions"] if c["type"] == "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("False", "ProgressDeadlineExceeded")
    # The manifest says the deadline passed 15 minutes before the lab started; the controller says it now.
    assert datetime.fromisoformat(progressing["lastTransitionTime"]) >= cluster.started
    assert (status["replicas"], status["updatedReplicas"], status["readyReplicas"]) == (3, 1, 2)


def test_a_pod_that_stops_being_ready_leaves_the_deployment_and_the_service_while_the_lab_runs(clusters):
    cluster = clusters()
    pod = next(iter(HEALTHY_PODS))
    status = cluster.get("pod", pod)["status"]
    for condition in status["conditions"]:
        if condition["type"] in ("Ready", "ContainersReady"):
            condition["status"] = "False"
    cluster.kubectl("patch", "pod", pod, "--subresource=status", "--type=merge", "-p", json.dumps({"status": status}))
    deployment = cluster.until(
        lambda: (s := cluster.get("deployment", SERVICE)["status"]).get("readyReplicas") == 1 and s,
        "the Deployment counts one ready replica",
    )
    assert deployment["unavailableReplicas"] == 1
    assert cluster.until(lambda: ready_pods(cluster.get("endpoints", SERVICE))[1] == [pod], "the pod is not ready")


def test_the_replica_set_controller_replaces_a_deleted_pod_which_waits_unscheduled(clusters):
    """No scheduler runs in the lab (its pods are placed by their manifests), so the replacement stays Pending."""
    cluster = clusters(STUCK)  # a cluster of its own: the previous test changed the healthy one
    cluster.kubectl("delete", "pod", "panda-panda-focus-server-7d9c8b6f5-w9lzm", "--wait=false")

    def replacement() -> dict | None:
        pods = cluster.get("pods", "-l", "pod-template-hash=7d9c8b6f5")["items"]
        return next((pod for pod in pods if pod["metadata"]["name"] not in HEALTHY_PODS), None)

    pod = cluster.until(replacement, "a new pod of the old ReplicaSet")
    assert pod["metadata"]["name"].startswith("panda-panda-focus-server-7d9c8b6f5-")
    assert [(o["kind"], o["name"]) for o in pod["metadata"]["ownerReferences"]] == [
        ("ReplicaSet", "panda-panda-focus-server-7d9c8b6f5")
    ]
    assert (pod["status"]["phase"], pod["spec"].get("nodeName")) == ("Pending", None)
    replica_set = cluster.until(
        lambda: (
            (s := cluster.get("replicaset", "panda-panda-focus-server-7d9c8b6f5")["status"]).get("readyReplicas") == 1
            and s
        ),
        "the ReplicaSet counts one ready replica of two",
    )
    assert replica_set["replicas"] == 2


def test_a_deployment_status_the_controllers_would_not_compute_is_named_field_by_field():
    manifest = {
        "kind": "Deployment",
        "status": {
            "replicas": 2,
            "readyReplicas": 2,
            "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"}],
        },
    }
    live = {
        "metadata": {"generation": 1},
        "status": {
            "observedGeneration": 1,
            "replicas": 2,
            "readyReplicas": 1,
            "conditions": [{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable"}],
        },
    }
    assert _status_differences(manifest, live) == [
        "readyReplicas 1 (manifest 2)",
        "Available ('False', 'MinimumReplicasUnavailable') (manifest ('True', 'MinimumReplicasAvailable'))",
    ]
    assert _status_differences(manifest, {**live, "status": {**manifest["status"], "observedGeneration": 1}}) == []
    assert _status_differences(manifest, {**live, "status": {"observedGeneration": 0}}) == [
        "generation not observed yet"
    ]


def test_a_deadline_exceeded_is_written_as_the_progress_before_it_and_other_conditions_unchanged():
    available = {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"}
    exceeded = {
        "type": "Progressing",
        "status": "False",
        "reason": "ProgressDeadlineExceeded",
        "message": 'ReplicaSet "r-1" has timed out progressing.',
        "lastUpdateTime": "2026-01-01T00:00:00Z",
    }
    before = _status_before_deadline({"replicas": 3, "conditions": [available, exceeded]})
    assert before == {
        "replicas": 3,
        "conditions": [
            available,
            {
                **exceeded,
                "status": "True",
                "reason": "ReplicaSetUpdated",
                "message": 'ReplicaSet "r-1" is progressing.',
            },
        ],
    }
    assert _status_before_deadline({"replicas": 2}) == {"replicas": 2}


def test_a_control_plane_program_that_cannot_start_fails_the_lab_saying_the_end_of_its_log(tmp_path, monkeypatch):
    # Every port handed to kube-apiserver is one some other process holds (without SO_REUSEADDR): it cannot bind.
    with ClosedPort() as taken:
        monkeypatch.setattr(KubeClusterComponent, "_reserve_port", lambda self: taken.port)
        component = KubeClusterComponent()
        try:
            with pytest.raises(RuntimeError) as failure:
                component.start(LabContext(state_dir=tmp_path))
        finally:
            component.stop()
    first, *log_tail = str(failure.value).splitlines()
    assert re.match(r"^kube-apiserver exited with \d+; the end of \S+kube-apiserver\.log:$", first), first
    assert any("address already in use" in line for line in log_tail), log_tail
