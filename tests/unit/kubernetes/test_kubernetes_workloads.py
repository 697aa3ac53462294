"""What the workload, node, volume, event, ConfigMap and Job checks decide, from the API's JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from keywords.kubernetes.workloads import (
    JOB_KINDS,
    ROLLOUT_KINDS,
    condition_lines,
    condition_text,
    configmap_keys,
    configmap_value,
    cronjob_line,
    cronjob_problems,
    event_text,
    event_time,
    job_outcome,
    job_problems,
    kind_of,
    newest_job,
    newest_warning,
    node_problems,
    owned_jobs,
    rollout_state,
    seconds,
    since_moment,
    top_reasons,
    warnings_since,
)

NOW = datetime(2025, 11, 28, 15, 0, 0, tzinfo=UTC)


def at(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- arguments ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [("30 s", 30), ("1 hour", 3600), ("1h 30min", 5400), (2.5, 2.5)])
def test_durations_are_robot_time_strings(value, expected):
    assert seconds(value, "timeout") == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("soon", "timeout must be a Robot time string such as '30 s' or '1 hour', got 'soon'"),
        ("0 s", "timeout must be more than 0 seconds, got '0 s'"),
        ("-1 min", "timeout must be more than 0 seconds, got '-1 min'"),
    ],
)
def test_a_duration_that_is_none_is_misuse_naming_the_argument(value, problem):
    with pytest.raises(ValueError) as error:
        seconds(value, "timeout")
    assert str(error.value) == problem


def test_since_is_a_time_string_before_now_or_an_iso_timestamp():
    assert since_moment("1 hour", NOW) == NOW - timedelta(hours=1)
    assert since_moment("30 min", NOW) == NOW - timedelta(minutes=30)
    assert since_moment("2025-11-28T14:00:00Z", NOW) == datetime(2025, 11, 28, 14, tzinfo=UTC)
    assert since_moment("2025-11-28T16:00:00+02:00", NOW) == datetime(2025, 11, 28, 14, tzinfo=UTC)
    assert since_moment("2025-11-28 14:00", NOW) == datetime(2025, 11, 28, 14, tzinfo=UTC)  # no zone: UTC


@pytest.mark.parametrize("since", ["yesterday", "2025-13-45T00:00:00Z", ""])
def test_a_since_that_is_neither_is_misuse(since):
    with pytest.raises(ValueError, match="since must be"):
        since_moment(since, NOW)


def test_kinds_are_read_with_their_plurals_and_short_names():
    assert kind_of("deploy", ROLLOUT_KINDS) == "Deployment"
    assert kind_of("StatefulSets.apps", ROLLOUT_KINDS) == "StatefulSet"
    assert kind_of("ds", ROLLOUT_KINDS) == "DaemonSet"
    assert kind_of("cj", JOB_KINDS) == "CronJob"
    assert kind_of("Job", JOB_KINDS) == "Job"
    with pytest.raises(ValueError, match="kind must be Deployment or StatefulSet or DaemonSet, got 'Job'"):
        kind_of("Job", ROLLOUT_KINDS)


# --- rollouts ----------------------------------------------------------------------------------------------

STUCK_MESSAGE = 'ReplicaSet "panda-panda-focus-server-5f7c9d8b4" has timed out progressing.'


def deployment(replicas=2, generation=4, observed=4, conditions=(), **status) -> dict:
    counts = {"replicas": replicas, "updatedReplicas": replicas, "readyReplicas": replicas}
    counts["availableReplicas"] = replicas
    return {
        "kind": "Deployment",
        "metadata": {"name": "panda-panda-focus-server", "namespace": "panda", "generation": generation},
        "spec": {"replicas": replicas},
        "status": {"observedGeneration": observed, **counts, **status, "conditions": list(conditions)},
    }


def test_a_deployment_with_every_replica_updated_ready_and_available_is_rolled_out():
    state = rollout_state("Deployment", deployment())
    assert state.done and state.summary == "2 of 2 replicas updated, 2 ready, 2 available"


def test_a_stuck_deployment_says_how_far_it_got_and_why():
    progressing = {
        "type": "Progressing",
        "status": "False",
        "reason": "ProgressDeadlineExceeded",
        "message": STUCK_MESSAGE,
    }
    stuck = deployment(3, updatedReplicas=1, readyReplicas=2, availableReplicas=2, conditions=[progressing])
    state = rollout_state("Deployment", stuck)
    assert not state.done
    assert state.summary == (
        f"1 of 3 replicas updated, 2 ready, 2 available; Progressing=False (ProgressDeadlineExceeded: {STUCK_MESSAGE})"
    )


def test_a_deployment_whose_new_spec_is_not_observed_yet_is_not_rolled_out():
    state = rollout_state("Deployment", deployment(generation=5, observed=4))
    assert not state.done
    assert state.summary == "2 of 2 replicas updated, 2 ready, 2 available; generation 5 not observed yet (observed: 4)"


def test_old_replicas_pending_termination_keep_a_rollout_going():
    surging = deployment()
    surging["status"]["replicas"] = 3  # an old pod not yet gone
    state = rollout_state("Deployment", surging)
    assert not state.done and state.summary.endswith("; 1 old replica(s) pending termination")


def test_a_replica_failure_is_named():
    failure = {"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate", "message": "quota exceeded"}
    state = rollout_state("Deployment", deployment(conditions=[failure]))
    assert not state.done and state.summary.endswith("; ReplicaFailure=True (FailedCreate: quota exceeded)")


def test_a_deployment_without_replicas_wants_one():
    obj = {"metadata": {"generation": 1}, "spec": {}, "status": {"observedGeneration": 1}}
    assert rollout_state("Deployment", obj).summary == "0 of 1 replicas updated, 0 ready, 0 available"


def statefulset(current="db-5c8", update="db-5c8", partition=None, **status) -> dict:
    strategy = {"type": "RollingUpdate"} | ({"rollingUpdate": {"partition": partition}} if partition else {})
    counts = {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3}
    return {
        "metadata": {"generation": 2},
        "spec": {"replicas": 3, "updateStrategy": strategy},
        "status": {"observedGeneration": 2, **counts, "currentRevision": current, "updateRevision": update, **status},
    }


def test_a_statefulset_is_rolled_out_when_its_pods_are_at_the_update_revision():
    assert rollout_state("StatefulSet", statefulset()).done
    state = rollout_state("StatefulSet", statefulset(current="db-5c8", update="db-7f1", updatedReplicas=1))
    assert not state.done
    assert (
        state.summary
        == "1 of 3 replicas updated, 3 ready, 3 available; current revision db-5c8, update revision db-7f1"
    )


def test_a_partitioned_statefulset_needs_only_the_pods_above_its_partition():
    assert rollout_state("StatefulSet", statefulset(current="a", update="b", partition=2, updatedReplicas=1)).done


def test_a_daemonset_counts_the_pods_it_schedules():
    daemonset = {
        "metadata": {"generation": 1},
        "status": {
            "observedGeneration": 1,
            "desiredNumberScheduled": 3,
            "updatedNumberScheduled": 3,
            "numberReady": 3,
            "numberAvailable": 2,
        },
    }
    state = rollout_state("DaemonSet", daemonset)
    assert not state.done and state.summary == "3 of 3 scheduled pod(s) updated, 3 ready, 2 available"
    daemonset["status"]["numberAvailable"] = 3
    assert rollout_state("DaemonSet", daemonset).done


def test_conditions_for_the_evidence_say_since_when():
    obj = {"status": {"conditions": [{"type": "Available", "status": "True", "lastTransitionTime": at(10)}]}}
    assert condition_lines(obj) == [f"Available=True, since {at(10)}"]
    assert condition_lines({}) == ["no conditions"]
    assert condition_text({"type": "Ready", "status": "True"}) == "Ready=True"


# --- nodes -------------------------------------------------------------------------------------------------


def node(*conditions: dict) -> dict:
    return {"metadata": {"name": "panda-node-2"}, "status": {"conditions": list(conditions)}}


def test_a_ready_node_without_pressure_has_no_problem():
    assert node_problems(node({"type": "Ready", "status": "True"}, {"type": "MemoryPressure", "status": "False"})) == []


def test_a_node_not_ready_and_under_memory_pressure_names_both_with_reason_and_message():
    problems = node_problems(
        node(
            {"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown",
             "message": "Kubelet stopped posting node status."},
            {"type": "MemoryPressure", "status": "True", "reason": "KubeletHasInsufficientMemory",
             "message": "kubelet has insufficient memory available"},
            {"type": "DiskPressure", "status": "False"},
            {"type": "PIDPressure", "status": "True", "reason": "KubeletHasInsufficientPID"},
        )
    )  # fmt: skip
    assert problems == [
        "Ready=Unknown (NodeStatusUnknown: Kubelet stopped posting node status.)",
        "MemoryPressure=True (KubeletHasInsufficientMemory: kubelet has insufficient memory available)",
        "PIDPressure=True (KubeletHasInsufficientPID)",
    ]


def test_a_node_whose_kubelet_never_reported_is_not_ready():
    assert node_problems(node()) == ["no Ready condition (its kubelet never reported)"]


# --- events ------------------------------------------------------------------------------------------------


def event(reason: str, minutes_ago: float | None, kind: str = "Warning", key: str = "lastTimestamp", **extra) -> dict:
    found = {"type": kind, "reason": reason, "message": f"{reason} happened", **extra}
    if minutes_ago is not None:
        found[key] = at(minutes_ago)
    return found


def test_an_event_happened_at_its_last_timestamp_else_its_event_time_else_its_first_timestamp():
    assert event_time(event("A", 5)) == NOW - timedelta(minutes=5)
    assert event_time(event("A", 5, key="eventTime")) == NOW - timedelta(minutes=5)
    assert event_time(event("A", 5, key="firstTimestamp")) == NOW - timedelta(minutes=5)
    both = event("A", 5) | {"firstTimestamp": at(50)}
    assert event_time(both) == NOW - timedelta(minutes=5)
    assert event_time({"series": {"lastObservedTime": "2025-11-28T14:58:44.123456Z"}}).second == 44
    assert event_time(event("A", None)) is None


def test_only_warnings_newer_than_the_moment_count_newest_first():
    events = [event("Old", 90), event("BackOff", 5), event("Normal", 1, kind="Normal"), event("Unhealthy", 2)]
    events.append(event("NoTime", None))
    recent = warnings_since(events, NOW - timedelta(hours=1))
    assert [e["reason"] for e in recent] == ["Unhealthy", "BackOff"]


def test_the_top_reasons_are_the_most_frequent_ties_by_name():
    events = [event("BackOff", 1)] * 20 + [event("FailedMount", 1)] * 15 + [event("Unhealthy", 1)] * 5
    events += [event("Evicted", 1)] * 5 + [event("", 1)]
    assert top_reasons(events) == "BackOff×20, FailedMount×15, Evicted×5"


def test_the_newest_warning_is_the_one_that_happened_last():
    events = [event("ProvisioningFailed", 30), event("ExternalProvisioning", 1, kind="Normal"), event("Later", 3)]
    assert newest_warning(events)["reason"] == "Later"
    assert newest_warning([event("X", 1, kind="Normal")]) is None
    assert event_text(event("ProvisioningFailed", 1)) == "ProvisioningFailed: ProvisioningFailed happened"


# --- ConfigMaps --------------------------------------------------------------------------------------------


def test_a_configmap_value_is_found_in_data_or_binary_data():
    configmap = {"data": {"MONGODB_HOST": "127.0.0.1", "MONGODB_DATABASE": "prisma"}, "binaryData": {"ca": "LS0t"}}
    assert configmap_value(configmap, "MONGODB_HOST") == "127.0.0.1"
    assert configmap_value(configmap, "ca") == "LS0t"
    assert configmap_value(configmap, "MONGODB_PORT") is None
    assert configmap_keys(configmap) == ["MONGODB_DATABASE", "MONGODB_HOST", "ca"]
    assert configmap_keys({}) == []


# --- Jobs and CronJobs -------------------------------------------------------------------------------------

CRONJOB = {
    "metadata": {"name": "panda-recordings-cleanup", "namespace": "panda", "uid": "cj-uid"},
    "spec": {"schedule": "*/30 * * * *"},
    "status": {"lastScheduleTime": at(20), "lastSuccessfulTime": at(20)},
}


def job(name: str, started_minutes_ago: float, *conditions: dict, owner: str | None = "cj-uid", **status) -> dict:
    metadata: dict = {"name": name, "namespace": "panda", "creationTimestamp": at(started_minutes_ago)}
    if owner is not None:
        metadata["ownerReferences"] = [{"kind": "CronJob", "name": "panda-recordings-cleanup", "uid": owner}]
    return {
        "metadata": metadata,
        "status": {"startTime": at(started_minutes_ago), "conditions": list(conditions), **status},
    }


COMPLETE = {"type": "Complete", "status": "True"}
FAILED = {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the limit"}


def test_job_outcomes_follow_the_job_controllers_conditions():
    assert job_outcome(job("j", 1, COMPLETE)) == ("Complete", "")
    assert job_outcome(job("j", 1, FAILED)) == (
        "Failed",
        "Failed=True (BackoffLimitExceeded: Job has reached the limit)",
    )
    assert job_outcome(job("j", 1, active=1)) == ("Running", "1 active, 0 succeeded, 0 failed")


def test_a_cronjobs_jobs_are_found_by_owner_reference_else_by_name():
    mine = job("panda-recordings-cleanup-29400000", 20, COMPLETE)
    other_cronjobs = job("panda-recordings-cleanup-29400030", 1, owner="another-uid")
    unrelated = job("backup-1", 1, owner=None)
    assert owned_jobs(CRONJOB, [mine, other_cronjobs, unrelated]) == [mine]
    orphan = job("panda-recordings-cleanup-29400000", 20, COMPLETE, owner=None)
    assert owned_jobs(CRONJOB, [orphan, unrelated]) == [orphan]


def test_the_newest_job_is_the_one_started_last():
    jobs = [job("a-1", 60), job("a-3", 5), job("a-2", 30)]
    assert newest_job(jobs)["metadata"]["name"] == "a-3"
    assert newest_job([]) is None


def test_a_cronjob_that_succeeded_recently_and_whose_newest_job_is_fine_passes():
    problems, newest = cronjob_problems(CRONJOB, [job("panda-recordings-cleanup-29400000", 20, COMPLETE)], NOW, 86400)
    assert problems == [] and newest["metadata"]["name"] == "panda-recordings-cleanup-29400000"


def test_a_cronjob_that_last_succeeded_too_long_ago_says_when():
    old = CRONJOB | {"status": {"lastSuccessfulTime": at(26 * 60)}}
    problems, _ = cronjob_problems(old, [], NOW, 86400)
    assert problems == [f"it last succeeded 1d 2h ago, at {at(26 * 60)}"]


def test_a_cronjob_that_never_succeeded_and_whose_newest_job_failed_says_both():
    never = CRONJOB | {"status": {}}
    jobs = [job("panda-recordings-cleanup-1", 90, COMPLETE), job("panda-recordings-cleanup-2", 10, FAILED)]
    problems, newest = cronjob_problems(never, jobs, NOW, 3600)
    assert problems == [
        "it has never succeeded (no status.lastSuccessfulTime)",
        "its newest Job panda-recordings-cleanup-2 failed: "
        "Failed=True (BackoffLimitExceeded: Job has reached the limit)",
    ]
    assert newest["metadata"]["name"] == "panda-recordings-cleanup-2"


def test_a_running_newest_job_is_no_failure():
    problems, _ = cronjob_problems(CRONJOB, [job("panda-recordings-cleanup-2", 1, active=1)], NOW, 3600)
    assert problems == []


def test_a_job_must_be_complete_and_recent():
    assert job_problems(job("j", 30, COMPLETE, completionTime=at(20)), NOW, 3600) == []
    assert job_problems(job("j", 30, COMPLETE, completionTime=at(120)), NOW, 3600) == [
        f"it completed 2h ago, at {at(120)}"
    ]
    assert job_problems(job("j", 30, FAILED), NOW, 3600)[0].startswith("it failed: Failed=True (BackoffLimitExceeded")
    assert job_problems(job("j", 30, active=1), NOW, 3600) == ["it has not completed: 1 active, 0 succeeded, 0 failed"]
    assert job_problems(job("j", 30, COMPLETE), NOW, 3600) == ["it is Complete but has no status.completionTime"]


def test_a_cronjob_is_described_in_one_evidence_line():
    assert cronjob_line(CRONJOB) == (
        f"schedule '*/30 * * * *', last scheduled {at(20)}, last successful {at(20)}, 0 active Job(s)"
    )
