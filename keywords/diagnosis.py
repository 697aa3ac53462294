"""Run-level diagnosis: every selected Jira case's verdict and layer, the rules' failure patterns, and the fix order.

It works on a result model, so ``robot`` runs and a merged ``pabot`` output are diagnosed alike. The cases come
from the run (its tests' tags, see :mod:`keywords.cases`), the patterns from ``variables/diagnosis_rules.yaml``.
A case that was selected but has no result is NOT RUN and fails the run; a test whose settings were unusable
is NOT CHECKED (its ``not-checked`` tag), never an infrastructure verdict.

- every ``robot`` run: :class:`keywords.diagnosis_listener.RunDiagnosis`, imported by ``resources/common.resource``;
- after pabot, or for any output: ``python -m keywords.diagnosis results/output.xml -- <the run's options>``
  (``run.sh main`` does this), which regenerates ``report.html`` and ``log.html`` through rebot.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from robot.api import ExecutionResult, ResultVisitor
from robot.result import TestSuite

from keywords.cases import Case, case_of, selected_cases
from keywords.diagnosis_rules import FAIL, NOT_CHECKED, NOT_RUN, PASS, SKIP, Rules, load_rules, rules_file
from keywords.outcomes import NOT_CHECKED_TAG

NOT_RUN_TAG = "not-run"
NOT_RUN_MESSAGE = "Not run: selected for this run but no result in its output (a killed worker or a crashed suite)"
#: Verdicts that fail the run, whatever Robot's own statistics say.
RUN_FAILING = (FAIL, NOT_RUN, NOT_CHECKED)


@dataclass(frozen=True)
class Outcome:
    """One test's result for its case."""

    case: Case
    status: str
    message: str


@dataclass
class CaseVerdict:
    """Every test that carries one Jira key; any failure fails the key."""

    key: str
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def case(self) -> Case:
        return self.outcomes[0].case

    @property
    def status(self) -> str:
        statuses = {outcome.status for outcome in self.outcomes}
        for status in (FAIL, NOT_RUN, NOT_CHECKED):
            if status in statuses:
                return status
        return SKIP if statuses == {SKIP} else PASS

    def failing(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.status in RUN_FAILING]

    def causes(self) -> str:
        failing = self.failing()
        if len(failing) == 1:
            return failing[0].message
        return "; ".join(f"{outcome.case.title}: {outcome.message}" for outcome in failing)


def outcome_of(test) -> Outcome | None:
    """The outcome of a result test with a Jira key."""
    case = case_of(test)
    if case is None:
        return None
    status = test.status
    if status == FAIL and NOT_CHECKED_TAG in test.tags:
        status = NOT_CHECKED
    if NOT_RUN_TAG in test.tags:
        status = NOT_RUN
    return Outcome(case, status, test.message.splitlines()[0] if test.message else "")


def outcomes(suite: TestSuite, expected: Iterable[Case] = ()) -> list[Outcome]:
    """Outcomes of every Jira-tagged test in ``suite``, then NOT RUN for each ``expected`` case without a result."""
    found = [outcome for outcome in map(outcome_of, suite.all_tests) if outcome]
    results = defaultdict(int)
    for outcome in found:
        results[outcome.case.key, outcome.case.title] += 1
    missing = []
    for case in expected:
        if results[case.key, case.title]:
            results[case.key, case.title] -= 1
        else:
            missing.append(Outcome(case, NOT_RUN, NOT_RUN_MESSAGE))
    return found + missing


def verdicts(found: Iterable[Outcome]) -> dict[str, CaseVerdict]:
    """``{Jira key: CaseVerdict}`` in the order the keys first appear."""
    by_key: dict[str, CaseVerdict] = {}
    for outcome in found:
        by_key.setdefault(outcome.case.key, CaseVerdict(outcome.case.key)).outcomes.append(outcome)
    return by_key


def run_failed(results: dict[str, CaseVerdict]) -> bool:
    return any(verdict.status in RUN_FAILING for verdict in results.values())


def _matches(when: dict[str, str], results: dict[str, CaseVerdict]) -> bool:
    return all(key in results and results[key].status == verdict for key, verdict in when.items())


def diagnose(results: dict[str, CaseVerdict], rules: Rules, environment: str = "") -> str:
    """The diagnosis as Markdown; one line when everything passed."""
    where = f" (environment {environment})" if environment else ""
    if not results:
        return f"No Jira case was selected or run{where}."
    if not run_failed(results):
        skipped = [key for key, verdict in results.items() if verdict.status == SKIP]
        note = f"; skipped: {', '.join(skipped)}" if skipped else ""
        return f"All {len(results) - len(skipped)} infrastructure checks passed{where}{note}."
    lines = [f"# Diagnosis{where}", "", "| Jira | check | layer | verdict |", "|---|---|---|---|"]
    for key, verdict in results.items():
        titles = " + ".join(outcome.case.title for outcome in verdict.outcomes)
        shown = verdict.status.lower() if verdict.status in (NOT_RUN, NOT_CHECKED) else verdict.status
        if len(verdict.outcomes) > 1:
            shown += f" ({len(verdict.failing())} of {len(verdict.outcomes)} tests failing)"
        lines.append(f"| {key} | {titles} | {rules.layer_title(verdict.case)} | {shown} |")
    lines += ["", "## What is broken", *_findings(results, rules)]
    groups = ", then ".join(group.name for group in rules.fix_order)
    lines += ["", f"## Fix in this order ({groups})" if groups else "## Fix in this order"]
    failing = sorted(
        (verdict for verdict in results.values() if verdict.status in RUN_FAILING),
        key=lambda verdict: rules.fix_rank(verdict.key),
    )
    for number, verdict in enumerate(failing, start=1):
        lines.append(f"{number}. {verdict.key} ({rules.layer_title(verdict.case)}): {verdict.causes()}")
    return "\n".join(lines)


def _findings(results: dict[str, CaseVerdict], rules: Rules) -> list[str]:
    def keys(status: str) -> list[str]:
        return [key for key, verdict in results.items() if verdict.status == status]

    lines = []
    if keys(NOT_RUN):
        lines.append(
            f"- {', '.join(keys(NOT_RUN))} not run → **no result**: selected for this run but missing from its "
            "output (a killed worker or a crashed suite); the run counts as failed. Run it again."
        )
    if keys(NOT_CHECKED):
        lines.append(
            f"- {', '.join(keys(NOT_CHECKED))} not checked → **the run's settings for this environment are "
            "unusable**: provide what each message below names, then run again."
        )
    # A case that was not checked says nothing about its layer: no pattern may count it.
    matched = [rule for rule in rules.rules if _matches(rule.when, results)]
    lines += [f"- {', '.join(rule.broken_keys())} failed → **{rule.diagnosis}**: {rule.next_step}." for rule in matched]
    for key in keys(FAIL):
        if not rules.names(key):
            layer = rules.layer_title(results[key].case)
            lines.append(
                f"- {key} failed → **{layer} problem**: no diagnosis rule names {key} ({rules_file().name}); "
                "read its cause below."
            )
    known_failures = [key for key in keys(FAIL) if rules.names(key)]
    if known_failures and not matched:
        lines.append("- No known pattern matches the checked cases; read the causes below in fix order.")
    for key, verdict in results.items():
        if len(verdict.outcomes) > 1:
            tests = ", ".join(f"'{outcome.case.title}' {outcome.status}" for outcome in verdict.outcomes)
            lines.append(f"- {key} is declared by {len(verdict.outcomes)} tests ({tests}); any failure fails the case.")
    return lines


class Diagnosis(ResultVisitor):
    """Pre-rebot modifier: adds NOT RUN tests for ``expected`` cases without a result, puts the diagnosis into the
    report's metadata, prints it and writes ``folder/diagnosis.md``. ``failed`` tells whether the run failed."""

    def __init__(
        self,
        folder: str | Path = "results",
        expected: Sequence[Case] = (),
        rules: Rules | None = None,
        environment: str = "",
    ) -> None:
        self.folder = Path(folder)
        self.expected = list(expected)
        self.rules = rules or load_rules()
        self.environment = environment
        self.text = ""
        self.failed = False

    def start_suite(self, suite: TestSuite) -> bool:
        if suite.parent is None:
            found = outcomes(suite, self.expected)
            for outcome in found:
                if outcome.status == NOT_RUN:
                    _add_not_run_test(suite, outcome.case)
            environment = self.environment or str(suite.metadata.get("Environment", ""))
            self.write(suite, diagnose(verdicts(found), self.rules, environment))
            self.failed = run_failed(verdicts(found))
        return False

    def write(self, suite: TestSuite, text: str) -> None:
        suite.metadata["Diagnosis"] = robot_documentation(text)
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "diagnosis.md").write_text(text + "\n", encoding="utf-8")
        if text != self.text:
            print(f"\n{text}\n\nDiagnosis: {(self.folder / 'diagnosis.md').resolve()}", file=sys.__stdout__)
        self.text = text


def robot_documentation(markdown: str) -> str:
    """The diagnosis in Robot Framework's documentation syntax, which the report renders (its own Markdown-like
    syntax: ``*bold*``, ``| =header= |`` tables, ``-`` lists)."""
    lines = []
    for line in markdown.splitlines():
        if line.startswith("|---"):
            continue
        if line.startswith("| Jira |"):
            line = "| " + " | ".join(f"={cell.strip()}=" for cell in line.strip("| ").split(" | ")) + " |"
        line = re.sub(r"^#+ (.*)$", r"*\1*", line)
        line = re.sub(r"^(\d+\.) ", r"- \1 ", line)
        lines.append(line.replace("**", "*"))
    return "\n".join(lines)


def _add_not_run_test(top: TestSuite, case: Case) -> None:
    """A failed test named like the missing one, so the report's statistics and tag links count it too."""
    suite = top
    for name in case.suite.split(".")[1:]:
        suite = next((child for child in suite.suites if child.name == name), None) or suite.suites.create(name=name)
    tags = [case.key, f"priority:{case.priority}", f"component:{case.component}", f"layer:{case.layer}", NOT_RUN_TAG]
    suite.tests.create(
        name=case.title, tags=tags + (["critical"] if case.gate else []), status=FAIL, message=NOT_RUN_MESSAGE
    )


_OPTIONS = {
    "--include": "include",
    "-i": "include",
    "--exclude": "exclude",
    "-e": "exclude",
    "--test": "tests",
    "-t": "tests",
    "--task": "tests",
    "--suite": "suites",
    "-s": "suites",
    "--tagstatlink": "tagstatlink",
    "--tagdoc": "tagdoc",
}


_OPTION_LINE = re.compile(r"^(-[^\s=]+)[\s=]+(.*)$")


def _expand_argument_files(args: Sequence[str]) -> list[str]:
    """``-A FILE``/``--argumentfile FILE`` replaced by the file's options, one option and its value a line."""
    expanded, tokens = [], iter(args)
    for token in tokens:
        name, equals, value = token.partition("=")
        if name.lower() not in ("-a", "--argumentfile"):
            expanded.append(token)
            continue
        path = Path(value if equals else next(tokens, ""))
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                match = _OPTION_LINE.match(line)
                expanded.extend(match.groups() if match else [line])
    return expanded


def run_options(args: Sequence[str]) -> dict[str, list[str]]:
    """The selection and report options of a robot/pabot command line, argument files included."""
    tokens = iter(_expand_argument_files(args))
    options: dict[str, list[str]] = defaultdict(list)
    for token in tokens:
        name, equals, value = token.partition("=") if token.startswith("--") else (token, "", "")
        if name.lower() in _OPTIONS:
            options[_OPTIONS[name.lower()]].append(value if equals else next(tokens, ""))
    return options


def main(argv: Sequence[str]) -> int:
    """Diagnoses an existing output; returns 1 when a selected case failed, was not run or not checked."""
    from robot import rebot

    parser = argparse.ArgumentParser(
        prog="python -m keywords.diagnosis",
        description="Diagnose a robot or pabot output.xml: writes diagnosis.md beside it and regenerates the report.",
    )
    parser.add_argument("output", nargs="?", default="results/output.xml")
    parser.add_argument("--source", action="append", default=[], help="suite folder or file the run was given")
    parser.epilog = "After --: the run's robot/pabot options; its selection and report options are applied."
    argv = list(argv)
    split = argv.index("--") if "--" in argv else len(argv)
    arguments = parser.parse_args(argv[:split])
    options = run_options(argv[split + 1 :])
    top = ExecutionResult(arguments.output).suite
    sources = arguments.source or ([top.source] if top.source else [])
    expected = selected_cases(sources, options["include"], options["exclude"], options["tests"], options["suites"])
    folder = Path(arguments.output).parent
    diagnosis = Diagnosis(folder, expected)
    rebot(
        arguments.output,
        outputdir=str(folder),
        prerebotmodifier=diagnosis,
        output=Path(arguments.output).name,  # the NOT RUN tests belong in the output too (Xray, JUnit read it)
        report="report.html",
        log="log.html",
        tagstatlink=options["tagstatlink"],
        tagdoc=options["tagdoc"],
        stdout=io.StringIO(),  # rebot's "Report: ..." lines would repeat what the run already printed
    )
    return 1 if diagnosis.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
