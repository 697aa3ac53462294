"""The floor: the six cases' network calls made by one plain Python process with the raw clients, no Robot.

``python -m bench.floor`` (with the lab's ``lab.env`` in the environment, as the benchmark sets it) connects
to MongoDB with pymongo, to the Kubernetes API with urllib3 and raw JSON, and to the jump host and, through a
``direct-tcpip`` channel of it, the target host with paramiko (host keys checked against the lab's known_hosts),
and makes the calls the suites make, in the suites' order, each case with its own connections as the suites open
them. It checks what the suites check and exits 1 naming the first failed check: the limit no suite can beat.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import paramiko
import urllib3
import yaml
from pymongo import MongoClient

MAX_RESPONSE_MS = 100
SAMPLES = 5
NAMESPACE = "panda"
POD_PREFIX = "panda-panda-focus-server-"
MAX_RESTARTS = 5
SERVICE = {"name": "panda-panda-focus-server", "type": "ClusterIP", "cluster_ip": "10.43.103.101", "port": 5000}
REQUIRED_COLLECTIONS = ("recordings", "tasks", "metadata", "node4")


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def mongo_client(env: dict[str, str], host: str = "127.0.0.1", port: int | None = None) -> MongoClient:
    """The environment's client: explicit host, port, credentials, timeouts and pool sizes (PZ-13806's steps)."""
    return MongoClient(
        host=host,
        port=port or int(env["LAB_MONGO_PORT"]),
        username="prisma",
        password=env["LAB_MONGO_PASSWORD"],
        authSource="prisma",
        serverSelectionTimeoutMS=5000,
        connectTimeoutMS=5000,
        socketTimeoutMS=5000,
        maxPoolSize=10,
        minPoolSize=1,
    )


def median_ms(call: Callable[[], object]) -> float:
    samples = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def pz_13806(env: dict[str, str]) -> None:
    with mongo_client(env) as client:
        check(client.admin.command("ping")["ok"] == 1.0, "ping not ok")
        check(bool(client.server_info().get("version")), "no server version")
        databases = client.list_database_names()
        check("prisma" in databases, f"prisma not in {databases}")
        client["prisma"].list_collection_names()


def pz_13898(env: dict[str, str]) -> None:
    uri = f"mongodb://prisma:{env['LAB_MONGO_PASSWORD']}@127.0.0.1:{env['LAB_MONGO_PORT']}/?authSource=prisma"
    with MongoClient(uri, serverSelectionTimeoutMS=5000, connectTimeoutMS=5000, socketTimeoutMS=5000) as client:
        check(client.admin.command("ping")["ok"] == 1.0, "ping not ok")
        check("prisma" in client.list_database_names(), "prisma not listed")
        database = client["prisma"]
        missing = set(REQUIRED_COLLECTIONS) - set(database.list_collection_names())
        check(not missing, f"missing collections {sorted(missing)}")
        recordings = database["recordings"]
        recordings.find_one()
        for recording in recordings.find({}, sort=[("_id", -1)], limit=100):
            check({"uuid", "start_time", "end_time"} <= set(recording), f"recording fields: {sorted(recording)}")
            check(recording["start_time"] < recording["end_time"], "start_time not before end_time")
        latency = median_ms(recordings.find_one)
        check(latency < MAX_RESPONSE_MS, f"find_one median {latency:.1f} ms")


def pz_13808(env: dict[str, str]) -> None:
    with mongo_client(env) as client:
        client.admin.command("ping")  # the connection is established before it is timed
        latency = median_ms(lambda: client.admin.command("ping"))
        check(latency < MAX_RESPONSE_MS, f"ping median {latency:.1f} ms")


def pz_13807(env: dict[str, str]) -> None:
    path = Path(env["LAB_STATE"]) / "focus-server" / "environments.yaml"
    configuration = yaml.safe_load(path.read_text(encoding="utf-8"))["lab"]["mongodb"]
    missing = {"host", "port", "database", "username", "password"} - set(configuration)
    check(not missing, f"configuration lacks {sorted(missing)}")
    expected = {"host": "127.0.0.1", "port": int(env["LAB_MONGO_PORT"]), "database": "prisma", "username": "prisma"}
    wrong = {key: configuration[key] for key, value in expected.items() if configuration[key] != value}
    check(not wrong, f"configuration differs: {wrong}")
    with mongo_client(env, configuration["host"], configuration["port"]) as client:
        check(client.admin.command("ping")["ok"] == 1.0, "ping not ok")


def run(client: paramiko.SSHClient, command: str) -> str:
    _, stdout, stderr = client.exec_command(command, timeout=5)
    output, error = stdout.read().decode(), stderr.read().decode()
    status = stdout.channel.recv_exit_status()
    check(status == 0 and not error and bool(output.strip()), f"{command}: exit {status}, stderr {error!r}")
    return output.strip()


def ssh_client(known_hosts: str) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    client.load_host_keys(known_hosts)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    return client


def pz_13900(env: dict[str, str]) -> None:
    options = {"timeout": 5, "banner_timeout": 5, "auth_timeout": 5, "allow_agent": False, "look_for_keys": False}
    jump, target = ssh_client(env["LAB_SSH_KNOWN_HOSTS"]), ssh_client(env["LAB_SSH_KNOWN_HOSTS"])
    try:
        started = time.perf_counter()
        jump_address = (env["LAB_SSH_JUMP_HOST"], int(env["LAB_SSH_JUMP_PORT"]))
        jump.connect(*jump_address, username="root", password=env["LAB_SSH_JUMP_PASSWORD"], **options)
        jump_seconds = time.perf_counter() - started
        run(jump, "hostname")
        check(run(jump, "whoami") == "root", "jump host user is not root")
        run(jump, "uptime")
        started = time.perf_counter()
        target_address = (env["LAB_SSH_TARGET_HOST"], int(env["LAB_SSH_TARGET_PORT"]))
        transport = jump.get_transport()
        check(transport is not None, "jump host transport closed")
        channel = transport.open_channel("direct-tcpip", target_address, ("127.0.0.1", 0), timeout=5)
        target.connect(
            *target_address, username="prisma", password=env["LAB_SSH_TARGET_PASSWORD"], sock=channel, **options
        )
        target_seconds = time.perf_counter() - started
        check(run(target, "whoami") == "prisma", "target user is not prisma")
        check("Client Version" in run(target, "kubectl version --client"), "kubectl shows no client version")
        check("Version" in run(target, "k9s version"), "k9s shows no version")
        if POD_PREFIX not in run(target, f"kubectl get pods -n {NAMESPACE}"):  # optional: a warning only
            print("warning: the target does not list the Focus Server pods", file=sys.stderr)
        check(max(jump_seconds, target_seconds) < 2, f"SSH connect took {jump_seconds:.2f}/{target_seconds:.2f} s")
    finally:
        target.close()
        jump.close()


def pz_13899(env: dict[str, str]) -> None:
    pool = urllib3.PoolManager(ca_certs=env["LAB_K8S_CA"], cert_reqs="CERT_REQUIRED", timeout=5.0, retries=False)
    headers = {"Authorization": f"Bearer {env['LAB_K8S_TOKEN']}", "Accept": "application/json"}
    api = env["LAB_K8S_API"].rstrip("/")

    def get(path: str, raw: bool = False):
        response = pool.request("GET", api + path, headers=headers)
        check(response.status == 200, f"GET {path}: HTTP {response.status}")
        return response.data if raw else json.loads(response.data)

    try:
        version = get("/version")["gitVersion"]
        check(version.startswith("v"), f"version {version}")
        namespaces = [item["metadata"]["name"] for item in get("/api/v1/namespaces")["items"]]
        check(NAMESPACE in namespaces, f"{NAMESPACE} not in {namespaces}")
        pods = [pod for pod in get(f"/api/v1/namespaces/{NAMESPACE}/pods")["items"]]
        pods = [pod for pod in pods if pod["metadata"]["name"].startswith(POD_PREFIX)]
        check(len(pods) >= 1, "no Focus Server pod")
        for pod in pods:
            status = pod["status"]
            check(status.get("phase") == "Running", f"{pod['metadata']['name']} not Running")
            ready = [c["status"] for c in status.get("conditions", []) if c["type"] == "Ready"]
            check(ready == ["True"], f"{pod['metadata']['name']} not Ready")
            restarts = sum(c.get("restartCount", 0) for c in status.get("containerStatuses", []))
            check(restarts < MAX_RESTARTS, f"{pod['metadata']['name']}: {restarts} restarts")
        service = get(f"/api/v1/namespaces/{NAMESPACE}/services/{SERVICE['name']}")["spec"]
        check(service["type"] == SERVICE["type"], f"service type {service['type']}")
        check(service["clusterIP"] == SERVICE["cluster_ip"], f"service ClusterIP {service['clusterIP']}")
        check(service["ports"][0]["port"] == SERVICE["port"], f"service port {service['ports'][0]['port']}")
        endpoints = get(f"/api/v1/namespaces/{NAMESPACE}/endpoints/{SERVICE['name']}")
        check(any(subset.get("addresses") for subset in endpoints.get("subsets", [])), "no ready endpoint")
        for pod in pods:
            for container in pod["spec"]["containers"]:
                path = f"/api/v1/namespaces/{NAMESPACE}/pods/{pod['metadata']['name']}/log"
                log = get(f"{path}?container={container['name']}&tailLines=10", raw=True)
                check(bool(log.strip()), f"{pod['metadata']['name']}/{container['name']}: empty log")
    finally:
        pool.clear()


#: In the spec's dependency order, as the suites run.
CASES = {
    "PZ-13806": pz_13806,
    "PZ-13898": pz_13898,
    "PZ-13808": pz_13808,
    "PZ-13807": pz_13807,
    "PZ-13900": pz_13900,
    "PZ-13899": pz_13899,
}


def main(env: dict[str, str]) -> int:
    failed = 0
    for key, case in CASES.items():
        started = time.perf_counter()
        try:
            case(env)
        except Exception as error:  # noqa: BLE001 - the floor reports every case, as a suite does
            failed += 1
            print(f"{key} FAIL: {type(error).__name__}: {error}", file=sys.stderr)
        else:
            print(f"{key} PASS {time.perf_counter() - started:.3f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(dict(os.environ)))
