"""The scheduled in-cluster run's manifests on the lab's real API server: server-side dry run, then applied; the
CronJob's service account runs PZ-13899 with exactly its rights, and every write is denied."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lab.go_binaries import cached, go_available
from lab.kube_cluster import KubeClusterComponent
from tests.helpers import REPO_ROOT, running_lab, verdicts_of

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
)
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
    # As the README says: the namespace first (the Secret the run reads lives there), then a dry run, then for real.
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
