"""The keywords for any object, workloads, nodes, volumes, events, ConfigMaps, Jobs and the bounded waits, against
the lab's Kubernetes (the stand-in and the real kube-apiserver): each check passes on the healthy lab and fails
under its fault with the cause in its first line."""

from __future__ import annotations

import re
import time

import pytest

from tests.helpers import failure_of
from tests.integration import test_kubernetes_library as pod_checks
from tests.integration.test_kubernetes_library import CRASHING_POD, NOT_READY_POD

# The same two clusters and the same connected library as the pod checks: their fixtures, not copies.
cluster = pod_checks.cluster
connect = pod_checks.connect

DEPLOYMENT = "panda-panda-focus-server"
CONFIGMAP = "panda-panda-focus-server-config"
CLAIM = "panda-focus-server-recordings"
CRONJOB = "panda-recordings-cleanup"
JOB = "panda-recordings-cleanup-29400000"
API = r"Kubernetes API https://127\.0\.0\.1:\d+"


def first_line(message: str) -> str:
    return message.splitlines()[0]


def evidence(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.getMessage().startswith("evidence ")]


# --- any object --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["Deployment", "deployment", "deployments", "deploy", "deployments.apps"])
def test_an_object_is_read_by_kind_plural_short_name_or_group_and_read_by_attribute(connect, kind):
    library = connect()
    deployment = library.get_kubernetes_object(kind, DEPLOYMENT)
    assert (deployment.kind, deployment.apiVersion, deployment.metadata.name) == ("Deployment", "apps/v1", DEPLOYMENT)
    assert deployment.metadata.namespace == "panda"  # the environment's namespace by default
    assert deployment.status.readyReplicas == deployment.spec.replicas == 2


def test_an_api_version_picks_the_group_version(connect):
    library = connect()
    assert library.get_kubernetes_object("Deployment", DEPLOYMENT, "panda", "apps/v1").metadata.name == DEPLOYMENT
    message = failure_of(lambda: library.get_kubernetes_object("Deployment", DEPLOYMENT, api_version="apps/v9"))
    assert re.fullmatch(
        rf"{API}: unknown kind 'Deployment' \(api_version apps/v9\): the API serves no such .*", message
    )


def test_a_cluster_scoped_object_ignores_the_namespace(connect):
    library = connect()
    node = library.get_kubernetes_object("no", "panda-node-1", namespace="elsewhere")
    assert (node.kind, node.metadata.name) == ("Node", "panda-node-1")
    assert "namespace" not in node.metadata


def test_objects_are_listed_by_label_selector_field_selector_and_name_pattern(connect):
    library = connect()
    names = [pod.metadata.name for pod in library.list_kubernetes_objects("pods")]
    assert {CRASHING_POD, NOT_READY_POD} <= set(names)
    labelled = library.list_kubernetes_objects("po", label_selector="app.kubernetes.io/instance=panda")
    assert sorted(pod.metadata.name for pod in labelled) == [CRASHING_POD, NOT_READY_POD]
    assert library.list_kubernetes_objects("Pod", label_selector="app.kubernetes.io/instance=other") == []
    by_field = library.list_kubernetes_objects("pods", field_selector=f"metadata.name={CRASHING_POD}")
    assert [pod.metadata.name for pod in by_field] == [CRASHING_POD]
    by_name = library.list_kubernetes_objects("pods", name_pattern="*-w9lzm")
    assert [(pod.kind, pod.metadata.name) for pod in by_name] == [("Pod", NOT_READY_POD)]


def test_objects_are_listed_across_every_namespace(connect):
    library = connect()
    deployments = library.list_kubernetes_objects("deploy", all_namespaces=True)
    assert DEPLOYMENT in [deployment.metadata.name for deployment in deployments]
    namespaces = library.list_kubernetes_objects("namespaces", namespace="ignored")
    assert "panda" in [namespace.metadata.name for namespace in namespaces]


def test_an_unknown_kind_fails_in_one_line_naming_the_kind_and_the_api(connect):
    library = connect()
    message = failure_of(lambda: library.get_kubernetes_object("Deploymnt", DEPLOYMENT))
    assert len(message.splitlines()) == 1
    assert re.match(rf"{API}: unknown kind 'Deploymnt': the API serves no such resource \(looked in v1, ", message)
    message = failure_of(lambda: library.list_kubernetes_objects("widgets.example.com"))
    assert re.fullmatch(
        rf"{API}: unknown kind 'widgets.example.com': .*API group example.com, which it does not .*", message
    )


def test_a_missing_object_fails_naming_kind_namespace_and_name(connect):
    library = connect()
    message = failure_of(lambda: library.get_kubernetes_object("deploy", "panda-panda-focus-server-old"))
    assert len(message.splitlines()) == 1
    assert re.match(rf"{API}: get Deployment panda/panda-panda-focus-server-old failed: not found \(404\): ", message)


def test_a_secret_is_forbidden_to_the_suite_and_the_403_names_verb_resource_and_permission(connect):
    library = connect()
    for read, verb, what in (
        (lambda: library.get_kubernetes_object("Secret", "panda-mongodb-credentials"), "get", "Secret panda/"),
        (lambda: library.list_kubernetes_objects("secrets"), "list", "secrets in namespace 'panda'"),
    ):
        message = failure_of(read)
        assert len(message.splitlines()) == 1
        assert re.match(rf"{API}: {verb} {what}.* failed: forbidden \(403\): not allowed to {verb} ", message)
        assert "secrets" in message and ("cannot" in message or "lacks verb" in message)


def test_misuse_is_a_value_error(connect):
    library = connect()
    assert "name must not be empty" in failure_of(lambda: library.get_kubernetes_object("deploy", " "), ValueError)
    assert "kind must name a kind" in failure_of(lambda: library.list_kubernetes_objects(""), ValueError)
    mixed = failure_of(
        lambda: library.get_kubernetes_object("deployments.apps", "x", api_version="batch/v1"), ValueError
    )
    assert mixed == "kind 'deployments.apps' names API group 'apps', but api_version is 'batch/v1'"


# --- workloads ---------------------------------------------------------------------------------------------


def test_a_rolled_out_deployment_passes_and_is_returned(connect):
    library = connect()
    assert library.workload_should_be_rolled_out(DEPLOYMENT).status.availableReplicas == 2
    assert library.deployment_should_be_available(DEPLOYMENT, "panda").metadata.name == DEPLOYMENT
    assert library.workload_should_be_rolled_out(DEPLOYMENT, kind="deploy").kind == "Deployment"


STUCK = (
    rf"{API}: Deployment panda/{DEPLOYMENT} is not rolled out: 1 of 3 replicas updated, 2 ready, 2 available; "
    r"Progressing=False \(ProgressDeadlineExceeded: .*\)"
)


def test_a_stuck_rollout_fails_saying_how_far_it_got_with_conditions_and_events_as_evidence(connect, caplog):
    library = connect("rollout-stuck")
    with caplog.at_level("INFO"):
        message = failure_of(lambda: library.workload_should_be_rolled_out(DEPLOYMENT))
    assert re.fullmatch(STUCK, first_line(message))
    [block] = evidence(caplog)
    lines = block.splitlines()
    assert lines[0] == f"evidence Kubernetes API Deployment panda/{DEPLOYMENT}"
    assert "conditions:" in lines and "events:" in lines
    assert any(line.startswith("  Progressing=False (ProgressDeadlineExceeded: ") for line in lines)


def test_deployment_should_be_available_is_the_same_check(connect):
    library = connect("rollout-stuck")
    assert re.fullmatch(STUCK, first_line(failure_of(lambda: library.deployment_should_be_available(DEPLOYMENT))))


def test_a_rollout_kind_that_has_no_rollout_is_misuse(connect):
    library = connect()
    message = failure_of(lambda: library.workload_should_be_rolled_out(DEPLOYMENT, kind="Job"), ValueError)
    assert message == "kind must be Deployment or StatefulSet or DaemonSet, got 'Job'"
    assert "name must not be empty" in failure_of(lambda: library.workload_should_be_rolled_out(""), ValueError)


def test_a_missing_workload_fails_naming_it(connect):
    library = connect()
    message = failure_of(lambda: library.workload_should_be_rolled_out("mongodb", namespace="data"))
    assert re.match(rf"{API}: get Deployment data/mongodb failed: not found \(404\)", message)


# --- nodes, volumes, events --------------------------------------------------------------------------------


def test_ready_nodes_pass(connect):
    library = connect()
    assert library.nodes_should_be_ready() == ["panda-node-1"]
    assert library.nodes_should_be_ready("!node-role.kubernetes.io/control-plane") == ["panda-node-1"]


def test_a_node_not_ready_and_under_memory_pressure_fails_naming_it_with_reason_and_message(connect, caplog):
    library = connect("node-not-ready")
    with caplog.at_level("INFO"):
        message = failure_of(library.nodes_should_be_ready)
    line = first_line(message)
    assert re.match(rf"{API}: 1 of \d+ node\(s\) not Ready: node panda-node-2: Ready=Unknown \(", line)
    assert "; MemoryPressure=True (" in line and "panda-node-1" not in message
    assert [block.splitlines()[0] for block in evidence(caplog)] == ["evidence Kubernetes API Node panda-node-2"]


def test_no_node_matching_the_selector_fails(connect):
    library = connect()
    message = failure_of(lambda: library.nodes_should_be_ready("kubernetes.io/hostname=absent"))
    assert re.fullmatch(
        rf"{API}: no node matching label selector 'kubernetes.io/hostname=absent' in the cluster", message
    )


def test_a_bound_claim_passes(connect):
    assert connect().persistent_volume_claim_should_be_bound(CLAIM).status.phase == "Bound"


def test_a_pending_claim_fails_naming_the_phase_and_the_newest_warning(connect, caplog):
    library = connect("pvc-pending")
    with caplog.at_level("INFO"):
        message = failure_of(lambda: library.persistent_volume_claim_should_be_bound(CLAIM))
    assert re.match(
        rf"{API}: PersistentVolumeClaim panda/{CLAIM} is not Bound: phase Pending; "
        r"newest Warning event ProvisioningFailed: ",
        first_line(message),
    )
    [block] = evidence(caplog)
    assert block.splitlines()[0] == f"evidence Kubernetes API PersistentVolumeClaim panda/{CLAIM}"
    assert any("Warning ProvisioningFailed" in line for line in block.splitlines())


def test_a_healthy_namespace_has_no_recent_warning_event(connect):
    library = connect()
    library.no_warning_events_should_exist()
    library.no_warning_events_should_exist("30 min", kind="deploy", name=DEPLOYMENT)


def test_a_warning_event_storm_fails_with_the_count_and_the_top_reasons_and_ten_as_evidence(connect, caplog):
    library = connect("warning-event-storm")
    with caplog.at_level("INFO"):
        message = failure_of(library.no_warning_events_should_exist)
    assert re.fullmatch(
        rf"{API}, namespace 'panda': 40 Warning event\(s\) since \S+Z: \S+×\d+, \S+×\d+, \S+×\d+", first_line(message)
    )
    [block] = evidence(caplog)
    lines = block.splitlines()[1:]
    assert len(lines) == 11 and all(line.startswith("Warning ") for line in lines[:10])
    assert lines[10] == "... 30 older event(s) left out"


def test_a_since_before_the_storm_is_an_iso_timestamp_too(connect):
    library = connect("warning-event-storm")
    library.no_warning_events_should_exist("2999-01-01T00:00:00Z")  # nothing after that
    assert "since must be" in failure_of(lambda: library.no_warning_events_should_exist("lately"), ValueError)


# --- ConfigMaps --------------------------------------------------------------------------------------------


def test_the_configmap_names_the_expected_mongodb(connect):
    library = connect()
    assert library.configmap_value_should_be(CONFIGMAP, "MONGODB_HOST", "127.0.0.1") == "127.0.0.1"
    assert library.configmap_value_should_match(CONFIGMAP, "MONGODB_DATABASE", "^prisma$") == "prisma"


def test_a_configmap_naming_another_mongodb_fails_with_both_values(connect):
    library = connect("configmap-wrong-mongo")
    message = failure_of(lambda: library.configmap_value_should_be(CONFIGMAP, "MONGODB_HOST", "127.0.0.1"))
    assert re.fullmatch(
        rf"{API}: ConfigMap panda/{CONFIGMAP} key 'MONGODB_HOST' is 'mongo-old.panda.svc.cluster.local', "
        r"expected '127\.0\.0\.1'",
        message,
    )
    message = failure_of(lambda: library.configmap_value_should_match(CONFIGMAP, "MONGODB_HOST", r"^127\.0\.0\.1$"))
    assert message.endswith("which does not match the regular expression '^127\\.0\\.0\\.1$'")


def test_a_missing_key_names_the_keys_present_and_a_bad_pattern_is_misuse(connect):
    library = connect()
    message = failure_of(lambda: library.configmap_value_should_be(CONFIGMAP, "MONGODB_PORT", "27017"))
    assert re.fullmatch(rf"{API}: ConfigMap panda/{CONFIGMAP} has no key 'MONGODB_PORT'; keys present: .+", message)
    assert "MONGODB_HOST" in message and "MONGODB_DATABASE" in message
    bad = failure_of(lambda: library.configmap_value_should_match(CONFIGMAP, "MONGODB_HOST", "(unclosed"), ValueError)
    assert bad.startswith("pattern '(unclosed' is not a regular expression: ")


# --- Jobs --------------------------------------------------------------------------------------------------


def test_the_cronjobs_last_run_succeeded_within_a_day(connect):
    library = connect()
    assert library.last_job_should_have_succeeded_within(CRONJOB).metadata.name == JOB
    assert library.last_job_should_have_succeeded_within(JOB, "24 hours", kind="Job").status.succeeded >= 1


def test_a_cronjob_whose_last_success_is_older_than_asked_fails_saying_when(connect, caplog):
    library = connect()
    with caplog.at_level("INFO"):
        message = failure_of(lambda: library.last_job_should_have_succeeded_within(CRONJOB, "1 min"))
    assert re.fullmatch(
        rf"{API}: the last Job of CronJob panda/{CRONJOB} did not succeed within 1 min: "
        r"it last succeeded (\d+[a-z]+ ?)+ ago, at \S+Z",
        message,
    )
    titles = [block.splitlines()[0] for block in evidence(caplog)]
    assert titles == [f"evidence Kubernetes API CronJob panda/{CRONJOB}", f"evidence Kubernetes API Job panda/{JOB}"]
    message = failure_of(lambda: library.last_job_should_have_succeeded_within(JOB, "1 s", kind="Job"))
    assert re.fullmatch(
        rf"{API}: Job panda/{JOB} did not succeed within 1 s: it completed (\d+[a-z]+ ?)+ ago, at \S+Z", message
    )


def test_a_job_kind_or_duration_that_is_none_is_misuse(connect):
    library = connect()
    message = failure_of(lambda: library.last_job_should_have_succeeded_within(CRONJOB, kind="Deployment"), ValueError)
    assert message == "kind must be CronJob or Job, got 'Deployment'"
    assert "within must be a Robot time string" in failure_of(
        lambda: library.last_job_should_have_succeeded_within(CRONJOB, "a while"), ValueError
    )


# --- bounded waits -----------------------------------------------------------------------------------------


def timed(action) -> tuple[object, float]:
    started = time.monotonic()
    return action(), time.monotonic() - started


def test_a_wait_on_a_healthy_rollout_returns_at_once(connect):
    library = connect()
    deployment, seconds = timed(lambda: library.workload_should_be_rolled_out_within(DEPLOYMENT, "30 s", poll="5 s"))
    assert deployment.metadata.name == DEPLOYMENT and seconds < 5


def test_a_wait_on_a_stuck_rollout_ends_at_its_timeout_naming_the_last_observed_state(connect, caplog):
    library = connect("rollout-stuck")
    started = time.monotonic()
    with caplog.at_level("INFO"):
        message = failure_of(lambda: library.workload_should_be_rolled_out_within(DEPLOYMENT, "3 s", poll="0.5 s"))
    elapsed = time.monotonic() - started
    assert 3 <= elapsed < 20  # a hang bound, not a measurement
    assert re.fullmatch(STUCK.replace("is not rolled out:", r"still not rolled out after 3 s:"), first_line(message))
    progress = [record.getMessage() for record in caplog.records if "still not rolled out (" in record.getMessage()]
    assert len(progress) == 1  # the state did not change: said once, not every poll
    assert [block.splitlines()[0] for block in evidence(caplog)] == [
        f"evidence Kubernetes API Deployment panda/{DEPLOYMENT}"
    ]


def test_a_wait_takes_its_defaults_from_the_environment(connect):
    library = connect("rollout-stuck", wait_timeout_s=1, wait_poll_s=0.25)
    message, seconds = timed(lambda: failure_of(lambda: library.workload_should_be_rolled_out_within(DEPLOYMENT)))
    assert "still not rolled out after 1 s: 1 of 3 replicas updated" in first_line(message) and seconds < 15


def test_a_wait_for_a_workload_that_never_appears_names_the_404_it_last_met(connect):
    library = connect()
    message = failure_of(lambda: library.workload_should_be_rolled_out_within("absent", "3 s", poll="0.5 s"))
    assert re.fullmatch(
        rf"{API}: Deployment panda/absent still not rolled out after 3 s: get Deployment panda/absent failed: "
        r"not found \(404\): .*",
        message,
    )


def test_a_refused_read_ends_a_wait_at_once(connect):
    library = connect("k8s-bad-token")
    message, seconds = timed(
        lambda: failure_of(lambda: library.workload_should_be_rolled_out_within(DEPLOYMENT, "30 s", poll="1 s"))
    )
    assert "unauthorized (401)" in message and seconds < 10


def test_a_bad_time_string_is_misuse(connect):
    library = connect()
    for call in (
        lambda: library.workload_should_be_rolled_out_within(DEPLOYMENT, "soon"),
        lambda: library.pods_should_be_ready_within(poll="often"),
        lambda: library.service_should_have_ready_endpoints_within(timeout="-5 s"),
    ):
        assert "must be" in failure_of(call, ValueError)


def test_a_wait_for_ready_pods_returns_at_once_when_they_are(connect):
    library = connect()
    pods, seconds = timed(lambda: library.pods_should_be_ready_within("10 s"))
    assert len(pods) == 2 and seconds < 5


def test_a_wait_for_pods_that_stay_not_ready_names_the_last_state(connect):
    # 3 s, not 1: under a loaded CI machine the first observation alone may take most of a second.
    library = connect("pod-not-ready")
    message = failure_of(lambda: library.pods_should_be_ready_within("3 s", "0.5 s"))
    assert re.fullmatch(
        rf"{API}, namespace 'panda': pods matching 'panda-panda-focus-server-\*' still not Ready after 3 s: "
        rf"1 of 2 pod\(s\) not Ready: pod {NOT_READY_POD}: phase Running; condition Ready=False .*",
        first_line(message),
    )


def test_a_wait_for_ready_endpoints_returns_them_at_once(connect):
    library = connect()
    addresses, seconds = timed(lambda: library.service_should_have_ready_endpoints_within(timeout="10 s"))
    assert len(addresses) == 2 and seconds < 5


def test_a_wait_for_endpoints_that_never_come_names_the_last_state(connect):
    library = connect("service-no-endpoints")
    message = failure_of(lambda: library.service_should_have_ready_endpoints_within(DEPLOYMENT, "3 s", poll="0.5 s"))
    assert re.fullmatch(
        rf"{API}, namespace 'panda': service '{DEPLOYMENT}' still has no ready endpoint after 3 s: "
        r"its selector \S+ matches no pod",
        message,
    )


def test_the_new_keywords_never_connect_by_themselves(connect):
    library = connect()
    library.close_all_kubernetes_connections()
    assert "no open connection" in failure_of(lambda: library.get_kubernetes_object("deploy", DEPLOYMENT), RuntimeError)
