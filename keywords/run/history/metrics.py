"""A run as Prometheus metrics: pushed to a Pushgateway (``$FOCUS_PUSHGATEWAY_URL``) or written for node
exporter's textfile collector (``$FOCUS_METRICS_TEXTFILE``). Alerting rules: ``monitoring/focus-infra.rules.yaml``.

- ``focus_infra_case_status{jira_key, priority, layer, component, gate, environment, status}``: 1 for the case's
  verdict (PASS, FAIL, SKIP, NOT RUN, NOT CHECKED), 0 for the others;
- ``focus_infra_case_duration_seconds{jira_key, environment}``;
- ``focus_infra_mongodb_latency_milliseconds{jira_key, environment, operation, statistic}`` (min, median, p95, max);
- ``focus_infra_run_timestamp_seconds{environment}`` and ``focus_infra_run_exit_code{environment}``.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Gauge, push_to_gateway, write_to_textfile

from keywords.run.diagnosis_rules import VERDICTS
from keywords.run.history.records import RunRecord

PUSH_URL_VARIABLE = "FOCUS_PUSHGATEWAY_URL"
TEXTFILE_VARIABLE = "FOCUS_METRICS_TEXTFILE"
JOB = "focus_infra"
PUSH_TIMEOUT_S = 10.0
LATENCY_MEASUREMENTS = {"mongodb.ping_ms": "ping", "mongodb.query_ms": "query"}


def registry_for(record: RunRecord, gates: dict[str, bool]) -> CollectorRegistry:
    """The metrics of ``record``; ``gates`` says which Jira keys block a deployment (the ``critical`` tag)."""
    registry = CollectorRegistry()
    status = Gauge(
        "focus_infra_case_status",
        "1 for the case's verdict in the latest run, 0 for the other verdicts",
        ["jira_key", "priority", "layer", "component", "gate", "environment", "status"],
        registry=registry,
    )
    duration = Gauge(
        "focus_infra_case_duration_seconds", "The case's duration", ["jira_key", "environment"], registry=registry
    )
    latency = Gauge(
        "focus_infra_mongodb_latency_milliseconds",
        "MongoDB round trips the case measured",
        ["jira_key", "environment", "operation", "statistic"],
        registry=registry,
    )
    for case in record.cases:
        labels = [case.key, case.priority, case.layer, case.component, str(gates.get(case.key, False)).lower()]
        for verdict in VERDICTS:
            status.labels(*labels, record.environment, verdict).set(1 if case.verdict == verdict else 0)
        duration.labels(case.key, record.environment).set(case.seconds)
        for name, operation in LATENCY_MEASUREMENTS.items():
            for statistic, value in case.measurements.get(name, {}).items():
                latency.labels(case.key, record.environment, operation, statistic).set(value)
    Gauge("focus_infra_run_timestamp_seconds", "When the run started", ["environment"], registry=registry).labels(
        record.environment
    ).set(record.started.timestamp())
    Gauge("focus_infra_run_exit_code", "The run's exit code (0 passed)", ["environment"], registry=registry).labels(
        record.environment
    ).set(record.exit_code)
    return registry


def push(registry: CollectorRegistry, url: str, environment: str) -> None:
    """Replace this environment's group on the Pushgateway at ``url`` with ``registry``."""
    push_to_gateway(url, job=JOB, grouping_key={"environment": environment}, registry=registry, timeout=PUSH_TIMEOUT_S)


def write_textfile(registry: CollectorRegistry, path: str) -> None:
    """Write ``registry`` atomically for node exporter's textfile collector."""
    write_to_textfile(path, registry)
