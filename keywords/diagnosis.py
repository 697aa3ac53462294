"""Run-level diagnosis: each Jira case's verdict and layer, the spec's failure patterns, and the fix order.

It works on a result model, so ``robot`` runs and a merged ``pabot`` output are diagnosed alike. The
diagnosis is printed, written to ``diagnosis.md`` beside the output and added to the report as the top
suite's ``Diagnosis`` metadata:

- every ``robot`` run: `RunDiagnosis`, a library listener imported by ``resources/common.resource``;
- after pabot, or for any output: ``python -m keywords.diagnosis results/output.xml`` (``run.sh main`` does
  this), which regenerates ``report.html`` and ``log.html`` through rebot with the `Diagnosis` modifier.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from pathlib import Path

from robot.api import ExecutionResult, ResultVisitor
from robot.api.deco import library
from robot.libraries.BuiltIn import BuiltIn
from robot.result import TestSuite
from robot.running.context import EXECUTION_CONTEXTS

from keywords.configuration import NOT_CHECKED

JIRA_PREFIX = "PZ-"


@dataclass(frozen=True)
class Case:
    key: str
    title: str
    layer: str
    fix_rank: int  # 1: critical infrastructure, 2: operations, 3: performance (the spec's fix priority)


CASES = (
    Case("PZ-13806", "MongoDB TCP connection and authentication", "foundation (TCP + auth)", 1),
    Case("PZ-13900", "SSH access through the jump host", "infrastructure access", 1),
    Case("PZ-13899", "Kubernetes cluster and pod health", "orchestration", 1),
    Case("PZ-13898", "MongoDB health", "data layer", 2),
    Case("PZ-13807", "MongoDB through the Focus Server configuration", "configuration", 2),
    Case("PZ-13808", "MongoDB response time", "performance", 3),
)
BY_KEY = {case.key: case for case in CASES}


@dataclass(frozen=True)
class Rule:
    """Applies when every case in ``failed`` failed and every case in ``passed`` passed."""

    failed: tuple[str, ...]
    passed: tuple[str, ...]
    diagnosis: str
    next_step: str


# The spec's diagnosis table first, then single-layer rules for the cases it leaves out.
RULES = (
    Rule(("PZ-13900", "PZ-13899"), (), "infrastructure down", "check SSH and the Kubernetes cluster"),
    Rule(("PZ-13806",), (), "MongoDB TCP/auth problem", "check MongoDB logs and the network"),
    Rule(("PZ-13898",), ("PZ-13806",), "MongoDB health problem", "check collections and disk space"),
    Rule(("PZ-13808",), ("PZ-13806", "PZ-13898"), "performance degradation", "check load and indexes"),
    Rule(
        ("PZ-13807",),
        ("PZ-13806", "PZ-13898", "PZ-13808"),
        "configuration problem (blocks application start)",
        "check the YAML files",
    ),
    Rule(("PZ-13899",), ("PZ-13900",), "Kubernetes orchestration problem", "check the cluster, pods and services"),
    Rule(("PZ-13900",), ("PZ-13899",), "SSH access problem", "check the jump host, credentials and host keys"),
)


@dataclass(frozen=True)
class Verdict:
    status: str
    message: str


def verdicts(suite: TestSuite) -> dict[str, Verdict]:
    """``{Jira key: Verdict}`` of every test tagged with a Jira key."""
    found = {}
    for test in suite.all_tests:
        for tag in test.tags:
            if tag.startswith(JIRA_PREFIX):
                found[tag] = Verdict(test.status, test.message.splitlines()[0] if test.message else "")
    return found


def _matches(rule: Rule, results: dict[str, Verdict]) -> bool:
    def status(key: str) -> str | None:
        return results[key].status if key in results else None

    return all(status(key) == "FAIL" for key in rule.failed) and all(status(key) == "PASS" for key in rule.passed)


def diagnose(results: dict[str, Verdict], environment: str = "") -> str:
    """The diagnosis as Markdown; one line when everything passed."""
    where = f" (environment {environment})" if environment else ""
    failed = [case for case in CASES if case.key in results and results[case.key].status == "FAIL"]
    if not failed and results and all(verdict.status != "FAIL" for verdict in results.values()):
        skipped = [key for key, verdict in results.items() if verdict.status == "SKIP"]
        note = f"; skipped: {', '.join(skipped)}" if skipped else ""
        return f"All {len(results) - len(skipped)} infrastructure checks passed{where}{note}."
    # A case whose settings could not be loaded says nothing about its layer: no pattern may count it.
    unchecked = [case.key for case in failed if NOT_CHECKED in results[case.key].message]
    checked = {key: verdict for key, verdict in results.items() if key not in unchecked}
    lines = [f"# Diagnosis{where}", "", "| Jira | check | layer | verdict |", "|---|---|---|---|"]
    for case in CASES:
        verdict = results.get(case.key)
        shown = "not run" if verdict is None else "not checked" if case.key in unchecked else verdict.status
        lines.append(f"| {case.key} | {case.title} | {case.layer} | {shown} |")
    findings = [rule for rule in RULES if _matches(rule, checked)]
    lines += ["", "## What is broken"]
    if unchecked:
        lines.append(
            f"- {', '.join(unchecked)} not checked → **the run's settings for this environment are unusable**: "
            "provide what each message below names, then run again."
        )
    lines += [f"- {', '.join(rule.failed)} failed → **{rule.diagnosis}**: {rule.next_step}." for rule in findings]
    if not findings and len(unchecked) < len(failed):
        lines.append("- No known pattern matches the checked cases; read the causes below in fix order.")
    lines += ["", "## Fix in this order (critical infrastructure first, then operations, then performance)"]
    for number, case in enumerate(sorted(failed, key=lambda case: case.fix_rank), start=1):
        lines.append(f"{number}. {case.key} ({case.layer}): {results[case.key].message}")
    return "\n".join(lines)


class Diagnosis(ResultVisitor):
    """Pre-rebot modifier: adds the diagnosis to the report, prints it and writes ``folder/diagnosis.md``."""

    def __init__(self, folder: str = "results") -> None:
        self.folder = Path(folder)

    def start_suite(self, suite: TestSuite) -> bool:
        if suite.parent is None:
            text = diagnose(verdicts(suite), str(suite.metadata.get("Environment", "")))
            suite.metadata["Diagnosis"] = text
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / "diagnosis.md").write_text(text + "\n", encoding="utf-8")
            print(f"\n{text}\n\nDiagnosis: {(self.folder / 'diagnosis.md').resolve()}", file=sys.__stdout__)
        return False


@library(scope="GLOBAL", listener="SELF", auto_keywords=False)
class RunDiagnosis:
    """Diagnoses every plain ``robot`` run at its end: imported by ``resources/common.resource``, no keywords.

    As a library listener it sees the top suite end with every verdict known, and adds the diagnosis like the
    `Diagnosis` modifier does, into ``${OUTPUT DIR}``. Under pabot each worker sees only part of the run, so it
    stays silent there; ``run.sh main`` diagnoses the merged output with ``python -m keywords.diagnosis``.
    """

    ROBOT_LISTENER_API_VERSION = 3

    def end_suite(self, data, result: TestSuite) -> None:
        if result.parent is not None or BuiltIn().get_variable_value("${PABOTQUEUEINDEX}") is not None:
            return
        if EXECUTION_CONTEXTS.current.dry_run:  # a dry run's passes check syntax, not infrastructure
            return
        Diagnosis(BuiltIn().get_variable_value("${OUTPUT DIR}")).start_suite(result)


def main(output_xml: str) -> int:
    """Writes ``diagnosis.md`` beside ``output_xml`` and regenerates its report and log with the diagnosis."""
    from robot import rebot

    folder = Path(output_xml).parent
    rebot(
        output_xml,
        outputdir=str(folder),
        prerebotmodifier=Diagnosis(str(folder)),
        report="report.html",
        log="log.html",
        stdout=io.StringIO(),  # rebot's "Report: ..." lines would repeat what the run already printed
    )
    return 0 if all(v.status != "FAIL" for v in verdicts(ExecutionResult(output_xml).suite).values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "results/output.xml"))
