"""The trend page's parts: flaky cases per environment and revision, verdict codes, one offline file."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import plotly.graph_objects as go
import pytest

from keywords.run.history.trends import (
    VERDICT_CODES,
    durations_over_time,
    flaky_cases,
    latency_over_time,
    verdict_timeline,
    write_trends,
)

START = datetime(2026, 11, 1, tzinfo=UTC)


def case(run: int, key: str, verdict: str, revision: str = "r1", environment: str = "lab") -> dict:
    return {"run_id": f"run-{run}", "jira_key": key, "verdict": verdict, "message": "", "seconds": 0.1,
            "environment": environment, "revision": revision, "started": START + timedelta(minutes=run)}  # fmt: skip


def run(number: int, environment: str = "lab") -> dict:
    return {"run_id": f"run-{number}", "started": START + timedelta(minutes=number), "environment": environment}


def test_a_verdict_change_between_consecutive_runs_of_one_environment_and_revision_is_flaky():
    cases = [case(1, "PZ-13808", "PASS"), case(2, "PZ-13808", "FAIL"), case(3, "PZ-13808", "PASS")]
    cases += [case(1, "PZ-13806", "PASS"), case(2, "PZ-13806", "FAIL", revision="r2")]  # a new revision: no flake
    cases += [case(4, "PZ-13806", "FAIL", environment="staging")]
    assert flaky_cases(cases) == [
        {
            "jira_key": "PZ-13808",
            "environment": "lab",
            "revision": "r1",
            "changes": 2,
            "runs": 3,
            "verdicts": "PASS → FAIL → PASS",
        }  # fmt: skip
    ]


def test_the_timeline_has_a_row_per_case_and_a_column_per_run_with_the_verdict_codes():
    runs = [run(1), run(2)]
    cases = [case(1, "PZ-13808", "PASS"), case(2, "PZ-13808", "NOT CHECKED"), case(2, "PZ-13806", "FAIL")]
    heatmap = verdict_timeline(runs, cases)["data"][0]
    assert heatmap["y"] == ["PZ-13806", "PZ-13808"]
    assert heatmap["z"] == [
        [None, VERDICT_CODES["FAIL"]],
        [VERDICT_CODES["PASS"], VERDICT_CODES["NOT CHECKED"]],
    ]


def test_the_page_is_one_file_that_loads_nothing_from_the_network(tmp_path):
    page = write_trends([run(1)], [case(1, "PZ-13808", "PASS")], [], tmp_path / "trends.html").read_text()
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=\"?https?:", page)
    assert "Plotly" in page and 'id="verdicts"' in page


def measurement(run: int, statistic: str, value: float) -> dict:
    return {"name": "mongodb.ping_ms", "statistic": statistic, "value": value, "jira_key": "PZ-13808",
            "environment": "lab", "started": START + timedelta(minutes=run)}  # fmt: skip


CASES = [case(1, "PZ-13808", "PASS"), case(2, "PZ-13808", "FAIL")]
FIGURES = {
    "verdicts": lambda: verdict_timeline([run(1), run(2)], CASES),
    "latency": lambda: latency_over_time([measurement(1, "median", 3.0), measurement(2, "p95", 240.0)]),
    "durations": lambda: durations_over_time(CASES),
}


@pytest.mark.parametrize("build", FIGURES.values(), ids=FIGURES.keys())
def test_each_figure_is_valid_plotly_though_the_page_skips_validation(build):
    go.Figure(build())  # raises ValueError on any property Plotly does not know, or a value it refuses


def test_the_latency_bands_reach_above_the_highest_measurement():
    shapes = latency_over_time([measurement(1, "p95", 400.0)])["layout"]["shapes"]
    assert [shape["label"]["text"] for shape in shapes] == ["excellent", "acceptable", "warning", "critical"]
    assert shapes[-1]["y0"] == 200 and shapes[-1]["y1"] == pytest.approx(440.0)
