"""What the workload, node, volume, event, ConfigMap and Job checks decide, as pure functions over the API's JSON.

Each returns the facts a failure message needs (``1 of 3 replicas updated, 2 ready, 2 available; ...``); the
keywords of :class:`keywords.kubernetes.library.KubernetesLibrary` read the objects and raise.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from robot.utils import secs_to_timestr, timestr_to_secs

#: The kinds ``kubectl rollout status`` knows, with what QA may type for each (``.apps`` may follow).
ROLLOUT_KINDS = {
    "Deployment": ("deployment", "deployments", "deploy"),
    "StatefulSet": ("statefulset", "statefulsets", "sts"),
    "DaemonSet": ("daemonset", "daemonsets", "ds"),
}
JOB_KINDS = {"CronJob": ("cronjob", "cronjobs", "cj"), "Job": ("job", "jobs")}
#: A node condition that is a problem when True (Ready is one when it is not True).
NODE_PRESSURES = ("MemoryPressure", "DiskPressure", "PIDPressure")
#: ``2025-11-28``: an ISO date or timestamp, as opposed to a Robot time string.
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


# --- arguments ---------------------------------------------------------------------------------------------


def seconds(value: str | float | timedelta, argument: str) -> float:
    """A Robot time string (``30 s``, ``1 hour``, ``1h 30min``) or a number as seconds, > 0; ``ValueError`` naming
    ``argument`` otherwise."""
    if isinstance(value, timedelta):
        found = value.total_seconds()
    else:
        try:
            found = timestr_to_secs(value)
        except (ValueError, TypeError):
            example = "a Robot time string such as '30 s' or '1 hour'"
            raise ValueError(f"{argument} must be {example}, got '{value}'") from None
    if found <= 0:
        raise ValueError(f"{argument} must be more than 0 seconds, got '{value}'")
    return found


def since_moment(since: str | timedelta, now: datetime) -> datetime:
    """When ``since`` began: an ISO timestamp (UTC unless it names its zone) or a Robot time string before ``now``."""
    text = since if isinstance(since, timedelta) else str(since).strip()
    if isinstance(text, str) and _ISO_DATE.match(text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"since must be an ISO timestamp or a Robot time string, got '{since}'") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        return now - timedelta(seconds=seconds(text, "since"))
    except ValueError:
        raise ValueError(
            f"since must be a Robot time string such as '1 hour' or an ISO timestamp such as "
            f"2025-11-28T14:00:00Z, got '{since}'"
        ) from None


def kind_of(kind: str, kinds: dict[str, tuple[str, ...]], argument: str = "kind") -> str:
    """The Kind ``kind`` names among ``kinds`` (``deploy`` → ``Deployment``); ``ValueError`` naming them otherwise."""
    text = (kind or "").strip().lower()
    text = text.removesuffix(".apps").removesuffix(".batch")
    for name, aliases in kinds.items():
        if text in aliases:
            return name
    raise ValueError(f"{argument} must be {' or '.join(kinds)}, got '{kind}'")


def parse_time(text: str | None) -> datetime | None:
    """An API timestamp (``2025-11-28T14:58:44Z``, with or without microseconds); ``None`` when absent or malformed."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def utc_text(moment: datetime) -> str:
    """``2025-11-28T14:58:44Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ago(moment: datetime, now: datetime) -> str:
    """``20min 3s`` (whole seconds; ``0s`` for a moment in the future)."""
    return secs_to_timestr(max(0, int((now - moment).total_seconds())), compact=True) or "0s"


# --- conditions --------------------------------------------------------------------------------------------


def condition_text(condition: dict[str, Any]) -> str:
    """``Progressing=False (ProgressDeadlineExceeded: ReplicaSet "x" has timed out progressing.)``."""
    why = ": ".join(filter(None, (condition.get("reason"), (condition.get("message") or "").strip())))
    return f"{condition.get('type', '?')}={condition.get('status', '?')}" + (f" ({why})" if why else "")


def conditions_of(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{type: condition}`` of ``status.conditions``."""
    return {c.get("type", ""): c for c in (obj.get("status") or {}).get("conditions") or []}


def condition_lines(obj: dict[str, Any]) -> list[str]:
    """Every condition of an object for the evidence, with when it last changed."""
    lines = []
    for condition in (obj.get("status") or {}).get("conditions") or []:
        since = condition.get("lastTransitionTime") or condition.get("lastUpdateTime")
        lines.append(condition_text(condition) + (f", since {since}" if since else ""))
    return lines or ["no conditions"]


# --- rollouts ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rollout:
    """Whether a workload is rolled out, and its state in one line."""

    done: bool
    summary: str


def _count(status: dict[str, Any], key: str) -> int:
    return int(status.get(key) or 0)


def rollout_state(kind: str, obj: dict[str, Any]) -> Rollout:
    """What ``kubectl rollout status`` checks, for a Deployment, StatefulSet or DaemonSet (API JSON).

    Rolled out: the controller observed the current generation (``observedGeneration`` ≥ ``generation``), every
    replica is updated, ready and available (no old one left), and no condition says it is stuck (a Deployment's
    ``Progressing=False``, e.g. ``ProgressDeadlineExceeded``; ``ReplicaFailure=True``); a StatefulSet's pods are at
    its update revision; a DaemonSet's pods are updated and available on every node it is scheduled to.
    """
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    problems: list[str] = []
    if kind == "DaemonSet":
        desired = _count(status, "desiredNumberScheduled")
        updated, ready = _count(status, "updatedNumberScheduled"), _count(status, "numberReady")
        available = _count(status, "numberAvailable")
        counts = f"{updated} of {desired} scheduled pod(s) updated, {ready} ready, {available} available"
        complete = updated >= desired and ready >= desired and available >= desired
    else:
        desired = 1 if spec.get("replicas") is None else int(spec["replicas"])
        updated, ready = _count(status, "updatedReplicas"), _count(status, "readyReplicas")
        # A StatefulSet reports availableReplicas since Kubernetes 1.22; before, ready is what there is.
        reported = "availableReplicas" in status or kind != "StatefulSet"
        available = _count(status, "availableReplicas") if reported else ready
        counts = f"{updated} of {desired} replicas updated, {ready} ready, {available} available"
        needed = desired
        if kind == "StatefulSet":
            strategy = spec.get("updateStrategy") or {}
            partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
            needed = max(0, desired - partition)
            current, update = status.get("currentRevision"), status.get("updateRevision")
            if strategy.get("type", "RollingUpdate") == "RollingUpdate" and not partition and current != update:
                problems.append(f"current revision {current or '(none)'}, update revision {update or '(none)'}")
        complete = updated >= needed and ready >= desired and available >= desired
        old = _count(status, "replicas") - updated
        if kind == "Deployment" and old > 0 and updated >= desired:  # before that, the old ones still serve
            problems.append(f"{old} old replica(s) pending termination")
    generation = (obj.get("metadata") or {}).get("generation")
    observed = status.get("observedGeneration")
    if generation is not None and (observed is None or int(observed) < int(generation)):
        problems.insert(0, f"generation {generation} not observed yet (observed: {observed or 'none'})")
    conditions = conditions_of(obj)
    for kind_of_condition, bad in (("Progressing", "False"), ("ReplicaFailure", "True"), ("Available", "False")):
        condition = conditions.get(kind_of_condition)
        if condition and condition.get("status") == bad:
            problems.append(condition_text(condition))
    return Rollout(complete and not problems, "; ".join([counts, *problems]))


# --- nodes -------------------------------------------------------------------------------------------------


def node_problems(node: dict[str, Any]) -> list[str]:
    """Why a node is not healthy: its Ready condition when not True, and each pressure condition that is True."""
    conditions = conditions_of(node)
    ready = conditions.get("Ready")
    problems = []
    if ready is None:
        problems.append("no Ready condition (its kubelet never reported)")
    elif ready.get("status") != "True":
        problems.append(condition_text(ready))
    problems += [condition_text(conditions[p]) for p in NODE_PRESSURES if conditions.get(p, {}).get("status") == "True"]
    return problems


# --- events ------------------------------------------------------------------------------------------------


def event_time(event: dict[str, Any]) -> datetime | None:
    """When an event last happened: ``lastTimestamp``, ``series.lastObservedTime``, ``eventTime`` or
    ``firstTimestamp``, the first one set."""
    series = event.get("series") or {}
    for text in (event.get("lastTimestamp"), series.get("lastObservedTime"), event.get("eventTime")):
        if parse_time(text):
            return parse_time(text)
    return parse_time(event.get("firstTimestamp"))


def warnings_since(events: list[dict[str, Any]], moment: datetime) -> list[dict[str, Any]]:
    """The Warning events that last happened after ``moment``, newest first (an event without a time is left out)."""
    recent = [e for e in events if e.get("type") == "Warning" and (event_time(e) or moment) > moment]
    return sorted(recent, key=lambda e: event_time(e) or moment, reverse=True)


def top_reasons(events: list[dict[str, Any]], count: int = 3) -> str:
    """``BackOff×20, FailedMount×15, Unhealthy×5``: the most frequent reasons among ``events`` (events, not their
    repeat counts), ties by name."""
    counted = Counter(event.get("reason") or "(no reason)" for event in events)
    ranked = sorted(counted.items(), key=lambda item: (-item[1], item[0]))[:count]
    return ", ".join(f"{reason}×{number}" for reason, number in ranked)


def newest_warning(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The Warning event that happened last, or ``None``."""
    warnings = [event for event in events if event.get("type") == "Warning"]
    epoch = datetime.min.replace(tzinfo=UTC)
    return max(warnings, key=lambda event: event_time(event) or epoch, default=None)


def event_text(event: dict[str, Any]) -> str:
    """``ProvisioningFailed: storageclass "fast" not found``."""
    return ": ".join(filter(None, (event.get("reason"), (event.get("message") or "").strip()))) or "(empty event)"


# --- ConfigMaps --------------------------------------------------------------------------------------------


def configmap_keys(configmap: dict[str, Any]) -> list[str]:
    """The keys of a ConfigMap's ``data`` and ``binaryData``, sorted."""
    return sorted({*(configmap.get("data") or {}), *(configmap.get("binaryData") or {})})


def configmap_value(configmap: dict[str, Any], key: str) -> str | None:
    """The value of ``key`` in ``data`` (``binaryData`` as the API sends it: base64); ``None`` when absent."""
    for part in ("data", "binaryData"):
        values = configmap.get(part) or {}
        if key in values:
            return values[key]
    return None


# --- Jobs and CronJobs -------------------------------------------------------------------------------------


def job_outcome(job: dict[str, Any]) -> tuple[str, str]:
    """``("Complete", "")``, ``("Failed", "Failed=True (BackoffLimitExceeded: ...)")`` or
    ``("Running", "1 active, 0 succeeded, 2 failed")``: what the Job controller's conditions and counts say."""
    conditions = conditions_of(job)
    if conditions.get("Complete", {}).get("status") == "True":
        return "Complete", ""
    for kind in ("Failed", "FailureTarget"):
        if conditions.get(kind, {}).get("status") == "True":
            return "Failed", condition_text(conditions[kind])
    status = job.get("status") or {}
    counts = ", ".join(f"{_count(status, key)} {key}" for key in ("active", "succeeded", "failed"))
    return "Running", counts


def started(job: dict[str, Any]) -> datetime | None:
    return parse_time((job.get("status") or {}).get("startTime")) or parse_time(
        (job.get("metadata") or {}).get("creationTimestamp")
    )


def owned_jobs(cronjob: dict[str, Any], jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Jobs a CronJob made: those whose ownerReference is the CronJob (by uid where both have one); where none
    is, those named ``<cronjob>-<something>`` (a cluster whose Jobs lost their owner references)."""
    metadata = cronjob.get("metadata") or {}
    name, uid = metadata.get("name"), metadata.get("uid")

    def owned(job: dict[str, Any]) -> bool:
        return any(
            ref.get("kind") == "CronJob" and ref.get("name") == name and (not uid or ref.get("uid") in (None, uid))
            for ref in (job.get("metadata") or {}).get("ownerReferences") or []
        )

    found = [job for job in jobs if owned(job)]
    return found or [job for job in jobs if (job.get("metadata") or {}).get("name", "").startswith(f"{name}-")]


def newest_job(jobs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The Job started last (its creation time where it never started), or ``None``."""
    epoch = datetime.min.replace(tzinfo=UTC)
    return max(jobs, key=lambda job: (started(job) or epoch, (job.get("metadata") or {}).get("name", "")), default=None)


def cronjob_line(cronjob: dict[str, Any]) -> str:
    """A CronJob's schedule and history in one evidence line."""
    spec, status = cronjob.get("spec") or {}, cronjob.get("status") or {}
    return (
        f"schedule '{spec.get('schedule', '?')}'"
        + (", suspended" if spec.get("suspend") else "")
        + f", last scheduled {status.get('lastScheduleTime') or 'never'}"
        + f", last successful {status.get('lastSuccessfulTime') or 'never'}"
        + f", {len(status.get('active') or [])} active Job(s)"
    )


def cronjob_problems(
    cronjob: dict[str, Any], jobs: list[dict[str, Any]], now: datetime, within_s: float
) -> tuple[list[str], dict[str, Any] | None]:
    """Why a CronJob's last run does not count as a success within ``within_s``, and its newest Job (or ``None``).

    It succeeded within the time when ``status.lastSuccessfulTime`` is that recent and the newest Job it owns has
    not failed since (a Job still running is no failure)."""
    problems = []
    last = parse_time((cronjob.get("status") or {}).get("lastSuccessfulTime"))
    if last is None:
        problems.append("it has never succeeded (no status.lastSuccessfulTime)")
    elif (now - last).total_seconds() > within_s:
        problems.append(f"it last succeeded {ago(last, now)} ago, at {utc_text(last)}")
    newest = newest_job(owned_jobs(cronjob, jobs))
    if newest is not None:
        outcome, detail = job_outcome(newest)
        if outcome == "Failed":
            problems.append(f"its newest Job {newest['metadata']['name']} failed: {detail}")
    return problems, newest


def job_problems(job: dict[str, Any], now: datetime, within_s: float) -> list[str]:
    """Why a Job does not count as succeeded within ``within_s``: not Complete, or completed longer ago."""
    outcome, detail = job_outcome(job)
    if outcome == "Failed":
        return [f"it failed: {detail}"]
    if outcome == "Running":
        return [f"it has not completed: {detail}"]
    completed = parse_time((job.get("status") or {}).get("completionTime"))
    if completed is None:
        return ["it is Complete but has no status.completionTime"]
    if (now - completed).total_seconds() > within_s:
        return [f"it completed {ago(completed, now)} ago, at {utc_text(completed)}"]
    return []
