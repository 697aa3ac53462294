"""The in-cluster manifests, as kustomize builds them, are valid Kubernetes 1.37 objects (kubernetes-validate) and
keep to the rules the deployment promises: no Secret in them, read verbs only, a hardened, bounded pod."""

from __future__ import annotations

import subprocess

import kubernetes_validate
import pytest
import yaml

from tests.helpers import REPO_ROOT

KUBERNETES_VERSION = "1.37.0"


@pytest.fixture(scope="module")
def objects() -> list[dict]:
    built = subprocess.run(
        [str(REPO_ROOT / ".venv" / "bin" / "kubectl"), "kustomize", str(REPO_ROOT / "deploy" / "kubernetes")],
        capture_output=True,
        text=True,
        check=True,
    )
    return [document for document in yaml.safe_load_all(built.stdout) if document]


def test_every_object_is_valid_for_kubernetes_1_37(objects):
    for document in objects:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_no_secret_is_in_the_manifests_and_rbac_grants_only_reads(objects):
    kinds = sorted(document["kind"] for document in objects)
    assert kinds == ["ClusterRole", "ClusterRoleBinding", "ConfigMap", "CronJob", "Namespace", "Role", "RoleBinding",
                     "ServiceAccount"]  # fmt: skip
    verbs = {verb for document in objects if document["kind"] in ("Role", "ClusterRole")
             for rule in document["rules"] for verb in rule["verbs"]}  # fmt: skip
    assert verbs == {"get", "list", "watch"}
    resources = {resource for document in objects if document["kind"] in ("Role", "ClusterRole")
                 for rule in document["rules"] for resource in rule["resources"]}  # fmt: skip
    assert "secrets" not in resources


def test_the_run_is_hardened_bounded_and_never_overlaps(objects):
    cronjob = next(document for document in objects if document["kind"] == "CronJob")
    job = cronjob["spec"]["jobTemplate"]["spec"]
    pod = job["template"]["spec"]
    container = pod["containers"][0]
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    assert 0 < job["activeDeadlineSeconds"] <= 600
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert set(container["resources"]) == {"requests", "limits"}
    assert {"secretRef": {"name": "focus-infra-secrets"}} in container["envFrom"]
