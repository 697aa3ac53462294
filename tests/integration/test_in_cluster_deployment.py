"""The scheduled in-cluster run's manifests on the lab's real API server: server-side dry run, then applied; the
CronJob's service account runs PZ-13899 with exactly its rights, and every write is denied."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from lab.go_binaries import cached, go_available
from lab.kube_cluster import KubeClusterComponent
from tests.helpers import REPO_ROOT, Verdict, readable_texts, running_lab, verdicts_of

KUBECTL = str(REPO_ROOT / ".venv" / "bin" / "kubectl")
MANIFESTS = REPO_ROOT / "deploy" / "kubernetes"
WRITES = ("create", "update", "patch", "delete", "deletecollection")
RESOURCES = (
    "pods",
    "services",
    "secrets",
    "configmaps",
    "deployments.apps",
    "cronjobs.batch",
    "roles.rbac.authorization.k8s.io",
)
READS = (
    ("list", "pods", "panda"),
    ("get", "pods/log", "panda"),
    ("list", "services", "panda"),
    ("get", "endpoints", "panda"),
    ("list", "events", "panda"),
    ("list", "namespaces", ""),
    ("list", "nodes", ""),
    ("get", "configmaps", "panda"),
    ("list", "persistentvolumeclaims", "panda"),
    ("list", "deployments.apps", "panda"),
    ("list", "statefulsets.apps", "panda"),
    ("list", "jobs.batch", "panda"),
    ("list", "cronjobs.batch", "panda"),
)
#: A hung run is stopped (and fails) after this long; a healthy one takes a few seconds. Not a timing check.
RUN_BOUND_S = 300
SERVICE = {"name": "panda-panda-focus-server", "type": "ClusterIP", "cluster_ip": "10.43.103.101", "port": 5000}
pytestmark = pytest.mark.skipif(
    not (go_available() and cached("kube-apiserver") and cached("kwok")),
    reason="needs the lab's real control plane (Go and python -m lab build, which ./run.sh test runs)",
)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("in-cluster")
    with running_lab(folder, [KubeClusterComponent()]) as published:
        yield folder, published


def kubectl(*arguments: str, kubeconfig) -> subprocess.CompletedProcess:
    return subprocess.run([KUBECTL, f"--kubeconfig={kubeconfig}", *arguments], capture_output=True, text=True)


def as_service_account(token: str, published: dict, empty_config, *arguments: str) -> subprocess.CompletedProcess:
    credentials = [f"--server={published['LAB_K8S_API']}", f"--certificate-authority={published['LAB_K8S_CA']}"]
    return kubectl(*credentials, f"--token={token}", *arguments, kubeconfig=empty_config)


@pytest.fixture(scope="module")
def deployed(cluster):
    folder, published = cluster
    admin = folder / "kubernetes" / "admin.kubeconfig"
    # As docs/operations.md says: the namespace first (the Secret the run reads lives there), a dry run, then for real.
    assert kubectl("create", "namespace", "focus-infra-tests", kubeconfig=admin).returncode == 0
    dry = kubectl("apply", "--server-side", "--dry-run=server", "-k", str(MANIFESTS), kubeconfig=admin)
    assert dry.returncode == 0, dry.stderr
    assert "cronjob.batch/focus-infra-tests serverside-applied (server dry run)" in dry.stdout
    nothing = kubectl("get", "cronjobs", "-n", "focus-infra-tests", "-o", "name", kubeconfig=admin)
    assert nothing.stdout == ""  # a dry run only
    applied = kubectl("apply", "--server-side", "-k", str(MANIFESTS), kubeconfig=admin)
    assert applied.returncode == 0, applied.stderr
    # The TokenRequest API: a short-lived token of the CronJob's service account, as the pod would get it.
    token = kubectl(
        "create", "token", "focus-infra-tests", "-n", "focus-infra-tests", "--duration=10m", kubeconfig=admin
    )
    assert token.returncode == 0, token.stderr
    empty_config = folder / "empty.kubeconfig"
    empty_config.write_text("apiVersion: v1\nkind: Config\n")
    return folder, published, token.stdout.strip(), empty_config


def test_the_cronjob_is_applied_with_its_schedule_and_security_context(deployed, cluster):
    folder, _ = cluster
    admin = folder / "kubernetes" / "admin.kubeconfig"
    shown = kubectl("get", "cronjob", "focus-infra-tests", "-n", "focus-infra-tests", "-o",
                    "jsonpath={.spec.schedule} {.spec.concurrencyPolicy} "
                    "{.spec.jobTemplate.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem}",
                    kubeconfig=admin)  # fmt: skip
    assert shown.stdout == "*/10 * * * * Forbid true"


def test_the_service_account_runs_pz_13899_with_only_its_rights(deployed):
    folder, published, token, _ = deployed
    output = folder / "results"
    env = {**os.environ, "FOCUS_LAB_STATE": str(folder), "LAB_K8S_TOKEN": token}
    command = [sys.executable, "-m", "robot", "--argumentfile", "robot.args", "--include", "PZ-13899"]
    subprocess.run([*command, "--outputdir", str(output), "--console", "none", "suites"], cwd=REPO_ROOT, env=env)
    verdict = verdicts_of(output / "output.xml")["PZ-13899"]
    assert verdict.status == "PASS", verdict.message


def test_every_write_is_denied_and_only_the_reads_pz_13899_needs_are_allowed(deployed):
    _, published, token, empty_config = deployed
    table = {}
    for verb in WRITES:
        for resource in RESOURCES:
            answer = as_service_account(token, published, empty_config, "auth", "can-i", verb, resource, "-n", "panda")
            table[verb, resource] = answer.stdout.strip()
    print("\n".join(f"{verb:>16} {resource:<40} {answer}" for (verb, resource), answer in table.items()))
    assert set(table.values()) == {"no"}
    for verb, resource, namespace in READS:
        where = ["-n", namespace] if namespace else []
        assert (
            as_service_account(token, published, empty_config, "auth", "can-i", verb, resource, *where).stdout.strip()
            == "yes"
        )
    for verb, resource, namespace in (
        ("get", "secrets", "panda"),
        ("get", "secrets", "default"),
        ("list", "pods", "default"),
    ):
        denied = as_service_account(token, published, empty_config, "auth", "can-i", verb, resource, "-n", namespace)
        assert denied.stdout.strip() == "no", (verb, resource, namespace)


# --- in_cluster: true, executed: PZ-13899 in a process that looks like the CronJob's pod -------------------------


def service_account_folder(folder: Path, token: str, published: dict) -> Path:
    """What the kubelet mounts in the pod: the service account's token and the cluster's CA."""
    account = folder / "serviceaccount"
    account.mkdir()
    (account / "token").write_text(token)  # no newline: the client sends the file's text as it is
    shutil.copyfile(published["LAB_K8S_CA"], account / "ca.crt")
    return account


def pod_environment(folder: Path, published: dict, account: Path, *, service_variables: bool = True) -> dict:
    """The suite's process as the pod's: an environments file that says only ``in_cluster: true``, the API named by
    ``KUBERNETES_SERVICE_HOST``/``_PORT`` (Kubernetes sets them in every pod) and the token and CA in ``account``.
    Nothing else leads to the cluster: no lab state, no kubeconfig, no LAB_K8S_* values."""
    environments = folder / "environments.yaml"
    kubernetes = {"in_cluster": True, "request_timeout_s": 5, "namespace": "panda", "service": SERVICE}
    environments.write_text(yaml.safe_dump({"lab": {"kubernetes": kubernetes}}))
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("LAB_", "KUBERNETES_")) and name not in ("FOCUS_LAB_STATE", "KUBECONFIG")
    }
    api = urlsplit(published["LAB_K8S_API"])
    service = {"KUBERNETES_SERVICE_HOST": api.hostname, "KUBERNETES_SERVICE_PORT": str(api.port)}
    return {
        **inherited,
        "FOCUS_ENVIRONMENTS_FILE": str(environments),
        "FOCUS_SERVICE_ACCOUNT_DIR": str(account),
        **(service if service_variables else {}),
    }


def run_pz_13899(folder: Path, env: dict) -> tuple[Verdict, Path]:
    """PZ-13899 through robot, as the CronJob runs it; its verdict and output folder."""
    output = folder / "results"
    command = [sys.executable, "-m", "robot", "--argumentfile", "robot.args", "--include", "PZ-13899"]
    subprocess.run(
        [*command, "--outputdir", str(output), "--console", "none", "suites"],
        cwd=REPO_ROOT,
        env=env,
        timeout=RUN_BOUND_S,
        check=False,
    )
    return verdicts_of(output / "output.xml")["PZ-13899"], output


def revoked_token(folder: Path) -> str:
    """A real service account token whose account is deleted afterwards: the API server no longer accepts it."""
    admin = folder / "kubernetes" / "admin.kubeconfig"
    namespace = ["-n", "focus-infra-tests"]
    assert kubectl("create", "serviceaccount", "focus-revoked", *namespace, kubeconfig=admin).returncode == 0
    token = kubectl("create", "token", "focus-revoked", *namespace, "--duration=10m", kubeconfig=admin)
    assert token.returncode == 0, token.stderr
    assert kubectl("delete", "serviceaccount", "focus-revoked", *namespace, kubeconfig=admin).returncode == 0
    return token.stdout.strip()


def test_in_cluster_credentials_from_the_pods_service_account_pass_pz_13899(deployed, tmp_path):
    _, published, token, _ = deployed
    account = service_account_folder(tmp_path, token, published)

    verdict, output = run_pz_13899(tmp_path, pod_environment(tmp_path, published, account))

    assert verdict.status == "PASS", verdict.message
    texts = readable_texts(output)
    chosen = (
        f"Kubernetes API {published['LAB_K8S_API']}: credentials in-cluster service account token {account}/token, "
        f"CA {account}/ca.crt - chosen because kubernetes.in_cluster is true"
    )
    assert chosen in texts["output.xml"]
    assert not [name for name, text in texts.items() if token in text]  # the token is read, never written


def test_a_revoked_service_account_token_fails_pz_13899_as_unauthorized_naming_the_in_cluster_files(deployed, tmp_path):
    folder, published, _, _ = deployed
    account = service_account_folder(tmp_path, revoked_token(folder), published)

    verdict, _ = run_pz_13899(tmp_path, pod_environment(tmp_path, published, account))

    assert (verdict.status, verdict.message) == (
        "FAIL",
        f"Kubernetes API {published['LAB_K8S_API']}: get the server version failed: unauthorized (401): the "
        f"token/credentials were rejected (credentials: in-cluster service account token {account}/token, "
        f"CA {account}/ca.crt)",
    )


def test_in_cluster_without_the_pods_service_variables_is_not_checked(deployed, tmp_path):
    _, published, token, _ = deployed
    account = service_account_folder(tmp_path, token, published)

    verdict, _ = run_pz_13899(tmp_path, pod_environment(tmp_path, published, account, service_variables=False))

    assert (verdict.status, verdict.message) == (
        "FAIL",
        "Kubernetes API not checked, the environment's settings are unusable: environment 'lab': cannot load "
        f"in-cluster service account token {account}/token, CA {account}/ca.crt for the API at "
        "$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT: Service host/port is not set.",
    )
