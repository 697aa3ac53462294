"""``trends.html``: the run history as one self-contained page (Plotly, its JavaScript inlined: no network).

A verdict timeline (a heat-map row per Jira case), MongoDB latency median and p95 with the spec's bands, each
case's duration, and the flaky cases: verdict changes between consecutive runs of one environment and revision.
The figures are Plotly's own JSON form, plain dicts, written without validation: building them through
``plotly.graph_objects`` and its validators cost every ``./run.sh main`` 0.1 s (a unit test validates them).
"""

from __future__ import annotations

import html
from collections import defaultdict
from pathlib import Path

from plotly.io import to_html
from plotly.offline import get_plotlyjs

from keywords.run.diagnosis_rules import FAIL, NOT_CHECKED, NOT_RUN, PASS, SKIP

#: Heat-map codes and colours, from healthy to broken.
VERDICT_CODES = {PASS: 0, SKIP: 1, NOT_CHECKED: 2, NOT_RUN: 3, FAIL: 4}
VERDICT_COLOURS = ["#2e7d32", "#9e9e9e", "#f9a825", "#6a1b9a", "#c62828"]
#: The spec's PZ-13808 bands (ms): excellent, acceptable, warning, critical.
BANDS = (("excellent", 0, 50, "#c8e6c9"), ("acceptable", 50, 100, "#fff9c4"), ("warning", 100, 200, "#ffe0b2"))
CRITICAL_COLOUR = "#ffcdd2"


def run_label(run: dict) -> str:
    return f"{run['started']:%Y-%m-%d %H:%M:%S} {run['environment']}"


def verdict_timeline(runs: list[dict], cases: list[dict]) -> dict:
    labels = [run_label(run) for run in runs]
    position = {run["run_id"]: index for index, run in enumerate(runs)}
    several = len({run["environment"] for run in runs}) > 1
    rows = sorted({(case["jira_key"], case["environment"]) for case in cases})
    row_of = {row: index for index, row in enumerate(rows)}
    z = [[None] * len(runs) for _ in rows]
    text = [[""] * len(runs) for _ in rows]
    for case in cases:
        row, column = row_of[case["jira_key"], case["environment"]], position[case["run_id"]]
        z[row][column] = VERDICT_CODES.get(case["verdict"], VERDICT_CODES[FAIL])
        text[row][column] = f"{case['jira_key']}: {case['verdict']}<br>{html.escape(case['message'][:120])}"
    steps = len(VERDICT_COLOURS)
    # A stepped scale: each verdict code gets its own flat colour band.
    scale = [[edge / steps, colour] for index, colour in enumerate(VERDICT_COLOURS) for edge in (index, index + 1)]
    heatmap = {
        "type": "heatmap",
        "z": z,
        "x": labels,
        "y": [f"{key} ({environment})" if several else key for key, environment in rows],
        "text": text,
        "hoverinfo": "text",
        "colorscale": scale,
        "zmin": -0.5,
        "zmax": steps - 0.5,
        "xgap": 2,
        "ygap": 2,
        "colorbar": {"tickvals": list(VERDICT_CODES.values()), "ticktext": list(VERDICT_CODES)},
    }
    layout = {"title": {"text": "Verdict per Jira case and run"}, "height": 120 + 40 * len(rows),
              "xaxis": {"type": "category"}}  # fmt: skip
    return {"data": [heatmap], "layout": layout}


def latency_over_time(measurements: list[dict]) -> dict:
    series: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for number in measurements:
        if number["name"].startswith("mongodb.") and number["statistic"] in ("median", "p95"):
            operation = number["name"].removeprefix("mongodb.").removesuffix("_ms")
            key = (f"{number['jira_key']} {operation} {number['statistic']} ({number['environment']})", number["name"])
            series[key].append((number["started"], number["value"]))
    highest = max((value for points in series.values() for _, value in points), default=0)
    bands = [*BANDS, ("critical", 200, max(highest * 1.1, 250), CRITICAL_COLOUR)]
    layout = {
        "title": {"text": "MongoDB latency (ms), with the PZ-13808 bands"},
        "yaxis": {"title": {"text": "ms"}},
        "shapes": [_band(*band) for band in bands],
    }
    return {"data": [_line(name, points) for (name, _), points in sorted(series.items())], "layout": layout}


def durations_over_time(cases: list[dict]) -> dict:
    series: dict[str, list[tuple]] = defaultdict(list)
    for case in cases:
        series[f"{case['jira_key']} ({case['environment']})"].append((case["started"], case["seconds"]))
    layout = {"title": {"text": "Duration per case (s)"}, "yaxis": {"title": {"text": "seconds"}}}
    return {"data": [_line(name, points) for name, points in sorted(series.items())], "layout": layout}


def _line(name: str, points: list[tuple]) -> dict:
    return {"type": "scatter", "x": [x for x, _ in points], "y": [y for _, y in points], "mode": "lines+markers",
            "name": name}  # fmt: skip


def _band(name: str, low: float, high: float, colour: str) -> dict:
    """A horizontal band across the whole plot, labelled in its top left corner."""
    return {"type": "rect", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": low, "y1": high,
            "fillcolor": colour, "opacity": 0.5, "line": {"width": 0}, "layer": "below",
            "label": {"text": name, "textposition": "top left"}}  # fmt: skip


def flaky_cases(cases: list[dict]) -> list[dict]:
    """Cases whose verdict changed between consecutive runs of the same environment and revision."""
    history: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for case in cases:  # oldest run first
        history[case["jira_key"], case["environment"], case["revision"]].append(case["verdict"])
    flaky = []
    for (key, environment, revision), verdicts in sorted(history.items()):
        changes = sum(1 for before, after in zip(verdicts, verdicts[1:], strict=False) if before != after)
        if changes:
            flaky.append({"jira_key": key, "environment": environment, "revision": revision, "changes": changes,
                          "runs": len(verdicts), "verdicts": " → ".join(verdicts)})  # fmt: skip
    return flaky


def write_trends(runs: list[dict], cases: list[dict], measurements: list[dict], path: Path) -> Path:
    """Write the trend page to ``path``; returns it."""
    figures = {
        "verdicts": verdict_timeline(runs, cases),
        "latency": latency_over_time(measurements),
        "durations": durations_over_time(cases),
    }
    charts = "\n".join(
        f"<section>{to_html(figure, full_html=False, include_plotlyjs=False, div_id=name, validate=False)}</section>"
        for name, figure in figures.items()
    )
    flaky = flaky_cases(cases)
    rows = "".join(
        f"<tr><td>{html.escape(item['jira_key'])}</td><td>{html.escape(item['environment'])}</td>"
        f"<td>{html.escape(item['revision'])}</td><td>{item['changes']} in {item['runs']} runs</td>"
        f"<td>{html.escape(item['verdicts'])}</td></tr>"
        for item in flaky
    )
    table = (
        "<table id='flaky'><tr><th>Jira</th><th>environment</th><th>revision</th><th>changes</th>"
        f"<th>verdicts</th></tr>{rows}</table>"
        if flaky
        else "<p id='flaky'>No case changed its verdict between consecutive runs of one environment and revision.</p>"
    )
    environments = ", ".join(sorted({run["environment"] for run in runs})) or "none"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Focus Server infrastructure: trends</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}</style>
<script>{get_plotlyjs()}</script></head>
<body><h1>Focus Server infrastructure: trends</h1>
<p>{len(runs)} run{"" if len(runs) == 1 else "s"}; environments: {html.escape(environments)}.</p>
{charts}
<h2>Flaky cases</h2>
{table}
</body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
