"""The traceability report of a run: one row per Jira case, for the people who follow the cases, not the logs.

``traceability.md`` and ``traceability.html`` (one self-contained file, no scripts, no external resources, to
attach to a release ticket) hold the epic, environment, start, duration, suite revision, and per case its key,
title, priority, layer, verdict, duration, the first line of its failure and its diagnosis; then the whole
diagnosis. Everything is read from the run's result model and the verdicts (:mod:`keywords.run.verdicts`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from robot.result import TestSuite

from keywords.run.cases import JIRA_KEY
from keywords.run.options import JiraLinks
from keywords.run.verdicts import CaseVerdict

#: Background of each verdict's cell: what a reader scans the table by.
VERDICT_COLOURS = {
    "PASS": "#c8e6c9",
    "FAIL": "#ef9a9a",
    "SKIP": "#e0e0e0",
    "NOT CHECKED": "#ffe082",
    "NOT RUN": "#ce93d8",
}


@dataclass(frozen=True)
class Row:
    key: str
    link: str | None
    title: str
    priority: str
    layer: str
    verdict: str
    seconds: float
    failure: str
    diagnosis: str


@dataclass(frozen=True)
class Traceability:
    title: str
    epic: str
    epic_link: str | None
    environment: str
    started: str
    seconds: float
    revision: str
    rows: list[Row]
    diagnosis: str


def traceability_of(
    suite: TestSuite,
    results: dict[str, CaseVerdict],
    diagnoses: dict[str, str],
    diagnosis: str,
    links: JiraLinks,
    environment: str,
    revision: str,
) -> Traceability:
    seconds = {key: 0.0 for key in results}
    for test in suite.all_tests:
        for key in results:
            if key in test.tags:
                seconds[key] += test.elapsed_time.total_seconds()
    rows = [
        Row(
            key=key,
            link=links.link(key),
            title=" + ".join(outcome.case.title for outcome in verdict.outcomes),
            priority=verdict.case.priority,
            layer=verdict.case.layer,
            verdict=verdict.status,
            seconds=seconds[key],
            failure=verdict.failing()[0].message if verdict.failing() else "",
            diagnosis=diagnoses.get(key, ""),
        )
        for key, verdict in results.items()
    ]
    epic = next((word for word in str(suite.metadata.get("Epic", "")).split() if JIRA_KEY.match(word)), "")
    started = suite.start_time.isoformat(sep=" ", timespec="seconds") if suite.start_time else "unknown"
    return Traceability(
        title=f"{suite.name} — traceability",
        epic=epic,
        epic_link=links.link(epic) if epic else None,
        environment=environment or "unknown",
        started=started,
        seconds=(suite.elapsed_time.total_seconds() if suite.end_time else _seconds_since(suite.start_time)),
        revision=revision,
        rows=rows,
        diagnosis=diagnosis,
    )


def _seconds_since(start: datetime | None) -> float:
    # A listener writes the report before the top suite has ended: its duration so far.
    return (datetime.now() - start).total_seconds() if start else 0.0


def _summary(report: Traceability) -> str:
    counts: dict[str, int] = {}
    for row in report.rows:
        counts[row.verdict] = counts.get(row.verdict, 0) + 1
    return ", ".join(f"{count} {verdict.lower()}" for verdict, count in counts.items()) or "no cases"


def markdown(report: Traceability) -> str:
    def linked(text: str, link: str | None) -> str:
        return f"[{text}]({link})" if link else text

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [
        f"# {report.title}",
        "",
        f"- Epic: {linked(report.epic, report.epic_link) if report.epic else 'none'}",
        f"- Environment: {report.environment}",
        f"- Started: {report.started}; duration {report.seconds:.1f} s",
        f"- Suite revision: {report.revision}",
        f"- Cases: {_summary(report)}",
        "",
        "| Jira | title | priority | layer | verdict | duration | failure | diagnosis |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in report.rows:
        lines.append(
            f"| {linked(row.key, row.link)} | {cell(row.title)} | {row.priority} | {row.layer} | {row.verdict} "
            f"| {row.seconds:.2f} s | {cell(row.failure)} | {cell(row.diagnosis)} |"
        )
    # The diagnosis's own headings go two levels down: they belong to this report's "Diagnosis" section.
    diagnosis = re.sub(r"^(#+) ", r"##\1 ", report.diagnosis, flags=re.MULTILINE)
    return "\n".join([*lines, "", "## Diagnosis", "", diagnosis, ""])


_STYLE = """
body { font-family: sans-serif; margin: 2em; color: #212121; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #9e9e9e; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
th { background: #eeeeee; }
pre { background: #f5f5f5; padding: 1em; white-space: pre-wrap; }
"""


def html_page(report: Traceability) -> str:
    def linked(text: str, link: str | None) -> str:
        return f'<a href="{html.escape(link)}">{html.escape(text)}</a>' if link else html.escape(text)

    verdict_styles = "\n".join(
        f".verdict-{_css_name(verdict)} {{ background: {colour}; }}" for verdict, colour in VERDICT_COLOURS.items()
    )
    facts = [
        ("Epic", linked(report.epic, report.epic_link) if report.epic else "none"),
        ("Environment", html.escape(report.environment)),
        ("Started", f"{html.escape(report.started)}; duration {report.seconds:.1f} s"),
        ("Suite revision", html.escape(report.revision)),
        ("Cases", html.escape(_summary(report))),
    ]
    rows = "\n".join(
        f'<tr id="{html.escape(row.key)}"><td>{linked(row.key, row.link)}</td><td>{html.escape(row.title)}</td>'
        f"<td>{html.escape(row.priority)}</td><td>{html.escape(row.layer)}</td>"
        f'<td class="verdict verdict-{_css_name(row.verdict)}">{html.escape(row.verdict)}</td>'
        f"<td>{row.seconds:.2f} s</td><td>{html.escape(row.failure)}</td><td>{html.escape(row.diagnosis)}</td></tr>"
        for row in report.rows
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(report.title)}</title>
<style>{_STYLE}{verdict_styles}
</style>
</head>
<body>
<h1>{html.escape(report.title)}</h1>
<dl>
{"".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in facts)}
</dl>
<table id="cases">
<thead><tr><th>Jira</th><th>Title</th><th>Priority</th><th>Layer</th><th>Verdict</th><th>Duration</th>
<th>Failure</th><th>Diagnosis</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
<h2>Diagnosis</h2>
<pre id="diagnosis">{html.escape(report.diagnosis)}</pre>
</body>
</html>
"""


def _css_name(verdict: str) -> str:
    return verdict.lower().replace(" ", "-")


def write_traceability(report: Traceability, folder: Path) -> tuple[Path, Path]:
    """Writes ``traceability.md`` and ``traceability.html`` into ``folder``; returns their paths."""
    paths = folder / "traceability.md", folder / "traceability.html"
    paths[0].write_text(markdown(report), encoding="utf-8")
    paths[1].write_text(html_page(report), encoding="utf-8")
    return paths
