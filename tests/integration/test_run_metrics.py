"""A run's metrics, pushed to a real Pushgateway and scraped back, or written as a textfile."""

from __future__ import annotations

import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from keywords.run.history.metrics import push, registry_for, write_textfile
from tests.helpers import pushgateway_server
from tests.helpers import sample_run_record as record


def samples(text: str) -> dict[tuple, float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[
                sample.name, tuple(sorted((k, v) for k, v in sample.labels.items() if k not in ("job", "instance")))
            ] = sample.value
    return found


def test_pushed_metrics_are_scraped_back_from_the_pushgateway():
    failing = record(3, verdict="FAIL", environment="staging")
    with pushgateway_server() as url:
        push(registry_for(failing, {"PZ-13808": False}), url, "staging")
        with urllib.request.urlopen(f"{url}/metrics", timeout=5) as answer:
            scraped = samples(answer.read().decode())
    labels = (("component", "mongodb"), ("environment", "staging"), ("gate", "false"), ("jira_key", "PZ-13808"),
              ("layer", "performance"), ("priority", "medium"))  # fmt: skip
    assert scraped["focus_infra_case_status", tuple(sorted((*labels, ("status", "FAIL"))))] == 1
    assert scraped["focus_infra_case_status", tuple(sorted((*labels, ("status", "PASS"))))] == 0
    latency = (("environment", "staging"), ("jira_key", "PZ-13808"), ("operation", "ping"), ("statistic", "median"))
    assert scraped["focus_infra_mongodb_latency_milliseconds", latency] == 3.2
    assert scraped["focus_infra_case_duration_seconds", (("environment", "staging"), ("jira_key", "PZ-13808"))] == 0.02
    assert scraped["focus_infra_run_exit_code", (("environment", "staging"),)] == 1
    assert scraped["focus_infra_run_timestamp_seconds", (("environment", "staging"),)] == failing.started.timestamp()


def test_the_textfile_holds_the_same_metrics(tmp_path):
    path = tmp_path / "focus_infra.prom"
    write_textfile(registry_for(record(1), {"PZ-13808": False}), str(path))
    written = samples(path.read_text(encoding="utf-8"))
    assert {name for name, _ in written} == {
        "focus_infra_case_status",
        "focus_infra_case_duration_seconds",
        "focus_infra_mongodb_latency_milliseconds",
        "focus_infra_run_timestamp_seconds",
        "focus_infra_run_exit_code",
    }
