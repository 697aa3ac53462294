"""The lab's Kubernetes on a real control plane: kube-apiserver with embedded etcd, kube-controller-manager, and kwok
as the fake kubelet.

All three are built from Go modules (:mod:`lab.go_binaries`), the API server and the controller manager from the same
``k8s.io/kubernetes`` module. The API server listens on 127.0.0.1 only, with TLS from the lab's CA and static bearer
tokens: one for the lab itself (``system:masters``, never published) and one for the suite, bound by RBAC to
get/list/watch only, so the suite's read-only promise is checked by the real authorizer. The same manifests as the
stand-in's (``lab/kube_api/manifests``, fault overlays included) are applied through the API; kwok moves the pods to
Running/Ready on the node ``panda-node-1`` and serves their logs (CRI-format files) to the API server's ``pods/log``.
A pod whose manifest status is unhealthy gets a kwok scenario that produces that status (CrashLoopBackOff with its
restarts and last termination, not Ready, Pending).

Once the pods have settled, kube-controller-manager starts with the controllers of ``CONTROLLERS``: the ReplicaSet
controller counts the manifests' pods as its own (they carry its owner reference), the Deployment controller takes
the ReplicaSet whose template is the Deployment's as the new one, and both compute their status from the pods; the
endpoints and EndpointSlice controllers publish each selector Service's addresses from the pods' readiness and kwok's
IPs. Their status is first written as they last wrote it before the lab started (a Deployment's from before its
rollout's deadline passed, ``_status_before_deadline``, so the controller itself finds the deadline exceeded). The
lab then waits until the controllers have computed what the manifests (the stand-in's answers) say, and fails naming
each difference if they do not (``_wait_for_controllers``). What other controllers would write, the lab writes once
the objects exist (``_complete_objects``): the status of nodes kwok does not manage, PersistentVolumeClaims,
StatefulSets, DaemonSets, Jobs and CronJobs, through the status subresource (``observedGeneration`` being the
server's ``metadata.generation``); each node's taints as its manifest says them; and each owner reference to an
object of the manifests, with that owner's server-assigned uid. With faults combined, whose overlays each describe
one fault alone, the lab takes the controllers' status once it stops changing.
"""

from __future__ import annotations

import http.client
import json
import secrets
import shutil
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lab.component import LabContext
from lab.faults import fault_table, settings_for
from lab.go_binaries import build, module_dir
from lab.kube_api.component import MANIFESTS, publish_cluster, unreachable_api, write_kubeconfig
from lab.kube_api.server import SUITE_USER
from lab.kube_api.store import ObjectStore
from lab.ports import HeldPort, ReservedPort

KWOK_FILES = Path(__file__).resolve().parent / "go_tools" / "kwok"
#: The Go programs of the real control plane (``lab.go_binaries``): the lab uses the stand-in until all are built.
CONTROL_PLANE = ("kube-apiserver", "kube-controller-manager", "kwok")
#: The controllers kube-controller-manager runs here: the ones whose results the suite reads and kwok cannot fake.
CONTROLLERS = ("deployment-controller", "replicaset-controller", "endpoints-controller", "endpointslice-controller")
NODE = "panda-node-1"
SERVICE_CIDR = "10.43.0.0/16"  # so the Focus Server's ClusterIP 10.43.103.101 is valid
READY_TIMEOUT_S = 60.0
SETTLED_S = 1.5  # how long combined faults' computed status stays unchanged before the lab takes it as final
KUBECTL = Path(sys.executable).parent / "kubectl"
#: Where the API serves each kind of the manifests the lab writes to after creating it: prefix and resource.
API_PATHS = {
    "Pod": ("api/v1", "pods"),
    "Node": ("api/v1", "nodes"),
    "PersistentVolumeClaim": ("api/v1", "persistentvolumeclaims"),
    "Deployment": ("apis/apps/v1", "deployments"),
    "ReplicaSet": ("apis/apps/v1", "replicasets"),
    "StatefulSet": ("apis/apps/v1", "statefulsets"),
    "DaemonSet": ("apis/apps/v1", "daemonsets"),
    "Job": ("apis/batch/v1", "jobs"),
    "CronJob": ("apis/batch/v1", "cronjobs"),
}
#: The kinds whose manifest status the lab writes: as no controller does here (kwok writes pods' and its node's), or,
#: for the Deployments and ReplicaSets, as their controllers last wrote it before the lab started (a Deployment's
#: from before its deadline passed: ``_status_before_deadline``); they recompute it from the pods.
STATUS_WRITTEN = {
    "Node",
    "PersistentVolumeClaim",
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
}
KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node"
#: The status fields the controllers compute that the lab compares with the manifests' before it is ready.
COMPUTED_COUNTS = {
    "Deployment": ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas"),
    "ReplicaSet": ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas"),
}
#: What the suite may do: read what the Kubernetes keywords read (no Secret), nothing else.
READ_ONLY_RBAC = [
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "focus-suite-read-only"},
        "rules": [
            {
                "apiGroups": [""],
                "resources": ["namespaces", "pods", "pods/log", "services", "endpoints", "events"],
                "verbs": ["get", "list", "watch"],
            },
            {
                "apiGroups": [""],
                "resources": ["nodes", "configmaps", "persistentvolumeclaims"],
                "verbs": ["get", "list", "watch"],
            },
            {
                "apiGroups": ["apps"],
                "resources": ["deployments", "statefulsets", "daemonsets", "replicasets"],
                "verbs": ["get", "list", "watch"],
            },
            {"apiGroups": ["batch"], "resources": ["jobs", "cronjobs"], "verbs": ["get", "list", "watch"]},
        ],
    },
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "focus-suite-read-only"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "focus-suite-read-only"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": SUITE_USER}],
    },
]


class KubeClusterComponent:
    """Publishes ``LAB_K8S_API``, ``LAB_K8S_TOKEN`` (the suite's), ``LAB_K8S_CA`` and ``LAB_KUBECONFIG``."""

    name = "kubernetes"

    def __init__(self) -> None:
        self._processes: list[subprocess.Popen] = []
        self._ports: list[ReservedPort] = []  # the servers' ports, held until they stop
        self._unreachable: HeldPort | None = None

    def start(self, context: LabContext) -> dict[str, str]:
        state = context.state_dir / self.name
        if state.exists():  # etcd data and logs of an earlier run: each lab starts from the manifests
            shutil.rmtree(state)
        state.mkdir(parents=True)
        fault = settings_for(self.name, context.faults)
        overlays = fault.get("overlays", [])
        # Each fault's overlay describes that fault alone: with two, the controllers' status is what both make.
        combined = sum(bool((fault_table()[name].get(self.name) or {}).get("overlays")) for name in context.faults) > 1
        self._unreachable = unreachable_api(fault)
        return publish_cluster(
            state,
            fault,
            lambda tls, token: self._start_control_plane(state, tls, token, overlays, combined),
            "kube-apiserver with embedded etcd, kube-controller-manager, kwok as the kubelet",
            self._unreachable,
        )

    def stop(self) -> None:
        if self._unreachable is not None:
            self._unreachable.close()
            self._unreachable = None
        for process in reversed(self._processes):  # the controllers and kwok first, then the API server
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes.clear()
        for reserved in self._ports:
            reserved.close()
        self._ports.clear()

    # --- the control plane ---------------------------------------------------------------------------------------

    def _start_control_plane(self, state: Path, tls, suite_token: str, overlays: list[str], combined: bool) -> str:
        admin_token = secrets.token_urlsafe(32)
        (state / "tokens.csv").touch(mode=0o600)  # private before it holds a secret
        (state / "tokens.csv").write_text(
            f'{admin_token},lab-admin,lab-admin,"system:masters"\n{suite_token},{SUITE_USER},{SUITE_USER}\n',
            encoding="utf-8",
        )
        service_account_key = _service_account_key(state / "service-account.key")
        port = self._reserve_port()
        url = f"https://127.0.0.1:{port}"
        self._spawn(
            state / "kube-apiserver.log",
            build("kube-apiserver"),
            f"--etcd-data-dir={state / 'etcd'}",
            f"--etcd-client-port={self._reserve_port()}",
            f"--etcd-peer-port={self._reserve_port()}",
            "--",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={port}",
            f"--tls-cert-file={tls.server_cert}",
            f"--tls-private-key-file={tls.server_key}",
            f"--token-auth-file={state / 'tokens.csv'}",
            "--authorization-mode=RBAC",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--endpoint-reconciler-type=none",  # a loopback address may not be the kubernetes service's endpoint
            "--service-account-issuer=https://kubernetes.default.svc",
            f"--service-account-key-file={service_account_key}",
            f"--service-account-signing-key-file={service_account_key}",
            "--kubelet-preferred-address-types=InternalIP",
        )
        admin = write_kubeconfig(state / "admin.kubeconfig", url, tls.ca_cert, admin_token)
        _wait_ready(url, tls.ca_cert, admin_token, self._processes[-1], state / "kube-apiserver.log")
        objects = ObjectStore.load([MANIFESTS / "healthy", *(MANIFESTS / "faults" / name for name in overlays)])
        kwok_port = self._reserve_port()
        logs = _write_logs(state / "kwok-logs", objects)
        self._spawn(
            state / "kwok.log",
            build("kwok"),
            f"--kubeconfig={admin}",
            f"--manage-nodes-with-annotation-selector={KWOK_NODE_ANNOTATION}=fake",
            "--node-ip=127.0.0.1",
            f"--node-port={kwok_port}",
            f"--server-address=127.0.0.1:{kwok_port}",
            f"--config={module_dir('kwok') / 'kustomize' / 'stage' / 'fast'}",
            f"--config={KWOK_FILES / 'stages-focus.yaml'}",
            f"--config={logs}",
            home=state / "kwok-home",
        )
        _apply(admin, [*READ_ONLY_RBAC, *_cluster_objects(objects)])
        with _AdminApi(url, tls.ca_cert, admin_token) as api:  # while kwok moves the pods
            _complete_objects(api, objects)
        _wait_for_pods(admin, objects, self._processes[-1], state / "kwok.log")
        with _AdminApi(url, tls.ca_cert, admin_token) as api:
            _restore_pod_status(api, objects)
            self._spawn(
                state / "kube-controller-manager.log",
                build("kube-controller-manager"),
                f"--kubeconfig={admin}",
                f"--controllers={','.join(CONTROLLERS)}",
                "--leader-elect=false",  # the only one
                "--secure-port=0",  # no health or metrics endpoint: nothing reads them here
                "--use-service-account-credentials=false",  # one admin identity; no token controller runs
            )
            _wait_for_controllers(api, objects, self._processes[-1], state / "kube-controller-manager.log", combined)
        return url

    def _reserve_port(self) -> int:
        self._ports.append(ReservedPort())
        return self._ports[-1].port

    def _spawn(self, log: Path, *command, home: Path | None = None) -> None:
        environment = None
        if home is not None:  # kwok also reads ~/.kwok/kwok.yaml: it must not see the user's
            home.mkdir(parents=True, exist_ok=True)
            environment = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
        with log.open("wb") as output:
            self._processes.append(
                subprocess.Popen(
                    [str(part) for part in command], stdout=output, stderr=subprocess.STDOUT, env=environment
                )
            )


def _start_failure(what: str, log: Path, lines: int = 15) -> RuntimeError:
    """``what`` went wrong, with the end of the program's log: the lab's state folder may be gone when it is read."""
    tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:] if log.exists() else []
    return RuntimeError(f"{what}; the end of {log}:\n" + "\n".join(tail))


def _service_account_key(path: Path) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.touch(mode=0o600)  # private before it holds the key
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return path


def _wait_ready(url: str, ca: Path, token: str, process: subprocess.Popen, log: Path) -> None:
    context = ssl.create_default_context(cafile=str(ca))
    request = urllib.request.Request(f"{url}/readyz", headers={"Authorization": f"Bearer {token}"})
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise _start_failure(f"kube-apiserver exited with {process.returncode}", log)
        try:
            with urllib.request.urlopen(request, context=context, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise _start_failure(f"kube-apiserver not ready within {READY_TIMEOUT_S:g} s", log)


class _AdminApi:
    """The lab's own JSON requests to its API server (as ``system:masters``), over one kept-alive connection."""

    def __init__(self, url: str, ca: Path, token: str) -> None:
        address = urlsplit(url)
        context = ssl.create_default_context(cafile=str(ca))
        self._connection = http.client.HTTPSConnection(address.hostname, address.port, context=context, timeout=20)
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def __enter__(self) -> _AdminApi:
        return self

    def __exit__(self, *_) -> None:
        self._connection.close()

    def get(self, path: str) -> dict:
        return self._request("GET", path)

    def get_or_none(self, path: str) -> dict | None:
        """The object, or None while it does not exist (404)."""
        return self._request("GET", path, missing_ok=True)

    def merge_patch(self, path: str, patch: dict) -> dict:
        return self._request("PATCH", path, patch)

    def _request(self, method: str, path: str, body: dict | None = None, missing_ok: bool = False) -> dict | None:
        headers = dict(self._headers)
        if body is not None:
            headers["Content-Type"] = "application/merge-patch+json"
        self._connection.request(method, path, json.dumps(body).encode() if body is not None else None, headers)
        answer = self._connection.getresponse()
        data = answer.read()
        if missing_ok and answer.status == 404:
            return None
        if answer.status != 200:
            raise RuntimeError(f"{method} {path}: {answer.status} {data.decode(errors='replace')[:300]}")
        return json.loads(data)


def _path(manifest: dict) -> str:
    prefix, resource = API_PATHS[manifest["kind"]]
    namespace = manifest["metadata"].get("namespace")
    where = f"namespaces/{namespace}/" if namespace else ""
    return f"/{prefix}/{where}{resource}/{manifest['metadata']['name']}"


def _complete_objects(api: _AdminApi, objects: ObjectStore) -> None:
    """What the controllers of a cluster would have written, as the manifests say it, once the objects exist.

    - the status of the kinds no controller writes here (``STATUS_WRITTEN``; a node only when kwok does not manage
      it), through the status subresource, ``observedGeneration`` being the server's ``metadata.generation``; a
      Deployment's as it was before its deadline passed, for the Deployment controller to recompute;
    - a node's taints as its manifest says (none for a Ready node: the API server's admission taints every new
      node ``not-ready``, and no node controller lifts it here);
    - each ``ownerReference`` to an object of the manifests, with the owner's server-assigned uid (the manifests'
      uids are the stand-in's; a reference to an object that is not in them is left out).
    """
    manifests = {(m["kind"], m["metadata"].get("namespace", ""), m["metadata"]["name"]): m for m in objects.all()}
    uids: dict[tuple[str, str, str], str] = {}
    for key, manifest in manifests.items():
        path = _path(manifest) if manifest["kind"] in API_PATHS else None
        status = manifest.get("status")
        if manifest["kind"] in STATUS_WRITTEN and status and not _kwok_manages(manifest):
            if "observedGeneration" in status:
                status = {**status, "observedGeneration": api.get(path)["metadata"].get("generation")}
            if manifest["kind"] == "Deployment":
                status = _status_before_deadline(status)
            uids[key] = api.merge_patch(f"{path}/status", {"status": status})["metadata"]["uid"]
        if manifest["kind"] == "Node":
            taints = (manifest.get("spec") or {}).get("taints")  # None: the admission's not-ready taint goes
            uids[key] = api.merge_patch(path, {"spec": {"taints": taints}})["metadata"]["uid"]
    for key, manifest in manifests.items():
        owners = []
        for reference in manifest["metadata"].get("ownerReferences") or []:
            owner = (reference["kind"], key[1], reference["name"])
            if owner not in manifests or reference["kind"] not in API_PATHS:
                continue
            if owner not in uids:
                uids[owner] = api.get(_path(manifests[owner]))["metadata"]["uid"]
            owners.append({**reference, "uid": uids[owner]})
        if owners:
            api.merge_patch(_path(manifest), {"metadata": {"ownerReferences": owners}})


def _status_before_deadline(status: dict) -> dict:
    """A Deployment's status as it was while its rollout was still progressing: the controller finds the deadline
    exceeded itself (its condition's ``lastUpdateTime`` is older than ``progressDeadlineSeconds``), so the condition
    the suite reads is the real controller's, not the manifest's."""
    conditions = []
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Progressing" and condition.get("reason") == "ProgressDeadlineExceeded":
            subject = condition.get("message", "").split(" has timed out", 1)[0]
            condition = {
                **condition,
                "status": "True",
                "reason": "ReplicaSetUpdated",
                "message": f"{subject} is progressing.",
            }
        conditions.append(condition)
    return {**status, "conditions": conditions} if conditions else status


def _wait_for_controllers(
    api: _AdminApi, objects: ObjectStore, process: subprocess.Popen, log: Path, combined: bool
) -> None:
    """Until the controllers have computed what the manifests say: for one fault (or none) a difference is a defect
    of its manifests, so the start fails naming it; for faults combined, their status once it stays unchanged for
    ``SETTLED_S`` (the controllers compute what both faults make, which no single overlay describes)."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    last, since = None, time.monotonic()
    while True:
        if process.poll() is not None:
            raise _start_failure(f"kube-controller-manager exited with {process.returncode}", log)
        differences = _controller_differences(api, objects)
        if not differences:
            return
        if differences != last:
            last, since = differences, time.monotonic()
        elif combined and time.monotonic() - since > SETTLED_S:
            print(f"lab: faults combined, the controllers computed: {'; '.join(differences)}", file=sys.stderr)
            return
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"the controllers did not compute the manifests' status within {READY_TIMEOUT_S:g} s: "
                + "; ".join(differences)
            )
        time.sleep(0.1)


def _controller_differences(api: _AdminApi, objects: ObjectStore) -> list[str]:
    """Where the controllers' status differs from the manifests': replica counts and conditions of the Deployments
    and ReplicaSets, and which pods each selector Service's Endpoints hold as ready and not ready."""
    selectors = _selector_services(objects)
    differences = []
    for manifest in objects.all():
        kind, metadata = manifest["kind"], manifest["metadata"]
        where = f"{kind} {metadata.get('namespace', '')}/{metadata['name']}"
        if kind in COMPUTED_COUNTS:
            live = api.get(_path(manifest))
            lines = _status_differences(manifest, live)
            differences += [f"{where}: {', '.join(lines)}"] if lines else []
        elif kind == "Endpoints" and (metadata["namespace"], metadata["name"]) in selectors:
            path = f"/api/v1/namespaces/{metadata['namespace']}/endpoints/{metadata['name']}"
            live = api.get_or_none(path)
            if live is None:
                differences.append(f"{where}: not published yet")
            elif _endpoint_pods(live) != _endpoint_pods(manifest):
                differences.append(
                    f"{where}: ready/not ready pods {_endpoint_pods(live)}, manifest {_endpoint_pods(manifest)}"
                )
    return differences


def _status_differences(manifest: dict, live: dict) -> list[str]:
    want, have = manifest.get("status") or {}, live.get("status") or {}
    if have.get("observedGeneration") != live["metadata"].get("generation"):
        return ["generation not observed yet"]
    lines = [
        f"{field} {have.get(field, 0)} (manifest {want.get(field, 0)})"
        for field in COMPUTED_COUNTS[manifest["kind"]]
        if have.get(field, 0) != want.get(field, 0)
    ]
    conditions = {c["type"]: (c["status"], c.get("reason")) for c in have.get("conditions") or []}
    for condition in want.get("conditions") or []:
        wanted = (condition["status"], condition.get("reason"))
        if conditions.get(condition["type"]) != wanted:
            lines.append(f"{condition['type']} {conditions.get(condition['type'])} (manifest {wanted})")
    return lines


def _endpoint_pods(endpoints: dict) -> tuple[list[str], list[str]]:
    def pods(key: str) -> list[str]:
        names = (
            a.get("targetRef", {}).get("name", a.get("ip"))
            for s in endpoints.get("subsets") or []
            for a in s.get(key) or []
        )
        return sorted(names)

    return pods("addresses"), pods("notReadyAddresses")


def _kwok_manages(manifest: dict) -> bool:
    return manifest["kind"] == "Node" and KWOK_NODE_ANNOTATION in (manifest["metadata"].get("annotations") or {})


def _selector_services(objects: ObjectStore) -> set[tuple[str, str]]:
    """``(namespace, name)`` of each Service with a selector: those whose Endpoints the endpoints controller writes."""
    return {
        (m["metadata"]["namespace"], m["metadata"]["name"])
        for m in objects.all()
        if m["kind"] == "Service" and (m.get("spec") or {}).get("selector")
    }


def _cluster_objects(objects: ObjectStore) -> list[dict]:
    """The manifests as objects to create: what the API server or a controller assigns left out, pods on kwok's
    node."""
    services = _selector_services(objects)
    created = []
    for manifest in objects.all():
        metadata = manifest["metadata"]
        key = (manifest["kind"], metadata.get("namespace", ""), metadata["name"])
        if key in {("Service", "default", "kubernetes"), ("Endpoints", "default", "kubernetes")}:
            continue  # the API server's own
        if manifest["kind"] == "Endpoints" and key[1:] in services:
            continue  # the endpoints controller's (created empty below)
        clean = {key: value for key, value in manifest.items() if key != "status"}
        clean["metadata"] = {
            key: value
            for key, value in metadata.items()
            if key not in ("uid", "resourceVersion", "creationTimestamp", "generation", "ownerReferences")
        }
        if manifest["kind"] == "Pod":
            clean["spec"] = {**manifest["spec"], "nodeName": NODE}
            scenario = _scenario(manifest.get("status") or {})
            if scenario:
                clean["metadata"]["annotations"] = {**metadata.get("annotations", {}), **scenario}
        created.append(clean)
    # Each selector Service's Endpoints exist, empty, before the endpoints controller starts, as they would in a
    # cluster whose controller manager restarts: it fills them in. Left for it to create, they can be created twice
    # by its first syncs (its cache not yet holding the first), a Warning event FailedToCreateEndpoint.
    created += [
        {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": namespace}}
        for namespace, name in sorted(services)
    ]
    for namespace in {obj["metadata"]["name"] for obj in created if obj["kind"] == "Namespace"}:
        # No serviceaccount controller runs here: pods need their namespace's default service account.
        created.append(
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": namespace}}
        )
    order = {"Namespace": 0, "ServiceAccount": 1, "Node": 2}  # then the rest
    return sorted(created, key=lambda obj: order.get(obj["kind"], 3))


def _scenario(status: dict) -> dict[str, str]:
    """kwok's annotations that reproduce an unhealthy manifest status; none for a healthy pod."""
    containers = status.get("containerStatuses") or []
    for container in containers:
        waiting = (container.get("state") or {}).get("waiting") or {}
        if waiting.get("reason") == "CrashLoopBackOff":
            terminated = (container.get("lastState") or {}).get("terminated") or {}
            return {
                "focus-lab.io/kwok-scenario": "crashloop",
                "focus-lab.io/restart-count": str(container.get("restartCount", 1)),
                "focus-lab.io/last-exit-reason": terminated.get("reason", "Error"),
                "focus-lab.io/last-exit-code": str(terminated.get("exitCode", 1)),
            }
    if status.get("phase") == "Pending":
        waiting = next(((c.get("state") or {}).get("waiting") or {} for c in containers), {})
        return {"focus-lab.io/kwok-scenario": "pending", "focus-lab.io/waiting-reason": waiting.get("reason", "")}
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), {})
    if status.get("phase") == "Running" and ready.get("status") == "False":
        return {"focus-lab.io/kwok-scenario": "not-ready"}
    return {}


def _write_logs(folder: Path, objects: ObjectStore) -> Path:
    """CRI-format log files of the manifests' pods, and the kwok ``Logs`` objects that serve them."""
    folder.mkdir(parents=True, exist_ok=True)
    empty = folder / "empty.log"
    empty.write_text("", encoding="utf-8")
    documents = []
    previous_logs = objects.previous_logs()
    for (namespace, pod), text in objects.logs().items():
        path = _cri_log(folder / f"{namespace}_{pod}.log", text)
        previous = previous_logs.get((namespace, pod))
        # previousLogsFile is required by `logs --previous`, even for a container that never restarted
        previous_path = _cri_log(folder / f"{namespace}_{pod}.previous.log", previous) if previous else empty
        documents.append(
            {
                "apiVersion": "kwok.x-k8s.io/v1alpha1",
                "kind": "Logs",
                "metadata": {"name": pod, "namespace": namespace},
                "spec": {"logs": [{"logsFile": str(path), "previousLogsFile": str(previous_path), "follow": False}]},
            }
        )
    config = folder / "logs.yaml"
    config.write_text(yaml.safe_dump_all(documents, sort_keys=False), encoding="utf-8")
    return config


def _cri_log(path: Path, text: str) -> Path:
    """``text`` as a container runtime's log file: each line with a timestamp, stream and tag, as kwok serves it."""
    lines = [line for line in text.splitlines() if line.strip()]
    path.write_text(
        "".join(f"2025-11-28T14:58:{index % 60:02d}.000000000Z stdout F {line}\n" for index, line in enumerate(lines)),
        encoding="utf-8",
    )
    return path


def _kubectl(kubeconfig: Path, *arguments: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(KUBECTL), f"--kubeconfig={kubeconfig}", "--request-timeout=20s", *arguments],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"kubectl {' '.join(arguments)} failed: {done.stderr.strip()}")
    return done.stdout


def _apply(kubeconfig: Path, objects: list[dict]) -> None:
    _kubectl(kubeconfig, "apply", "-f", "-", stdin=yaml.safe_dump_all(objects, sort_keys=False))


def _wait_for_pods(kubeconfig: Path, objects: ObjectStore, kwok: subprocess.Popen, log: Path) -> None:
    """Until kwok has given every pod the status its manifest describes (Ready, or its scenario's)."""
    expected = {
        (pod["metadata"]["namespace"], pod["metadata"]["name"]) for pod in objects.all() if pod["kind"] == "Pod"
    }
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if kwok.poll() is not None:
            raise _start_failure(f"kwok exited with {kwok.returncode}", log)
        pods = json.loads(_kubectl(kubeconfig, "get", "pods", "--all-namespaces", "-o", "json"))["items"]
        settled = {(pod["metadata"]["namespace"], pod["metadata"]["name"]) for pod in pods if _settled(pod)}
        if expected <= settled:
            return
        time.sleep(0.05)
    raise _start_failure(f"kwok did not settle the lab's pods within {READY_TIMEOUT_S:g} s", log)


def _restore_pod_status(api: _AdminApi, objects: ObjectStore) -> None:
    """What kwok cannot know of a pod keeps its manifest's value: its IP (kwok allocates its own; the endpoints
    controller publishes the pod's, so the addresses are the stand-in's), and a healthy pod's restart count (kwok
    starts every pod at 0).

    Written through the status subresource once kwok has settled the pod: no kwok stage matches a pod that is
    Running (Ready or not), so nothing writes its status again.
    """
    for manifest in objects.all():
        status = manifest.get("status") or {}
        if manifest["kind"] != "Pod" or not status.get("podIP"):
            continue
        counts = (
            {}
            if _scenario(status)
            else {c["name"]: c.get("restartCount", 0) for c in status.get("containerStatuses") or []}
        )
        path = _path(manifest)
        containers = api.get(path)["status"].get("containerStatuses") or []
        for container in containers:
            container["restartCount"] = counts.get(container["name"], container.get("restartCount", 0))
        patch = {"podIP": status["podIP"], "podIPs": status.get("podIPs") or [{"ip": status["podIP"]}]}
        api.merge_patch(f"{path}/status", {"status": {**patch, "containerStatuses": containers}})


def _settled(pod: dict) -> bool:
    scenario = (pod["metadata"].get("annotations") or {}).get("focus-lab.io/kwok-scenario")
    status = pod.get("status") or {}
    if scenario == "pending":
        return bool(status.get("containerStatuses"))
    if scenario:
        return status.get("phase") == "Running" and bool(status.get("containerStatuses"))
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
