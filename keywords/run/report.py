"""A run's artefacts beside its ``output.xml``: the diagnosis, ``junit.xml`` and the traceability report.

:class:`RunReport` works on a result model, so a ``robot`` run (through the listener
:class:`keywords.run.listener.RunDiagnosis`) and a merged ``pabot`` output are handled alike. It adds a
failed NOT RUN test for every selected case without a result, puts the diagnosis and the traceability report's
path into the report's metadata, and writes ``diagnosis.md``, ``junit.xml``, ``traceability.md`` and
``traceability.html``; the run is added to the history (:mod:`keywords.run.history.recording`).

``focus-infra report results/output.xml --source suites -- <the run's robot/pabot options>`` does this
for an existing output (``run.sh main`` after pabot) and regenerates ``report.html``/``log.html`` through rebot.
Its exit code: 0 all passed, 1 a case failed its check, 3 a case was not checked (unusable settings), 4 a case
was not run.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from pathlib import Path

from robot.api import ExecutionResult, ResultVisitor
from robot.errors import DataError
from robot.result import Result, TestSuite

from keywords.common.evidence import Evidence, evidence_by_case
from keywords.common.redaction import redact
from keywords.run.cases import Case, selected_cases
from keywords.run.diagnosis import case_diagnoses, diagnose, robot_documentation
from keywords.run.diagnosis_rules import FAIL, NOT_RUN, Rules, load_rules
from keywords.run.junit import write_junit
from keywords.run.options import JiraLinks, run_options
from keywords.run.revision import suite_revision
from keywords.run.traceability import traceability_of, write_traceability
from keywords.run.verdicts import EXIT_PASSED, NOT_RUN_MESSAGE, NOT_RUN_TAG, exit_code, outcomes, verdicts


class RunReport(ResultVisitor):
    """Pre-rebot modifier (also called by the listener) writing the run's artefacts into ``folder``.

    ``exit_code`` is the run's verdict once the top suite has been visited.
    """

    def __init__(
        self,
        folder: str | Path = "results",
        expected: Sequence[Case] = (),
        rules: Rules | None = None,
        environment: str = "",
        links: JiraLinks | None = None,
        measured: dict[str, dict[str, dict[str, float]]] | None = None,
        evidence: dict[str, list[Evidence]] | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.measured = measured
        self.evidence = evidence
        self.expected = list(expected)
        self.rules = rules or load_rules()
        self.environment = environment
        self.links = links or JiraLinks.of_base_arguments()
        self.exit_code = EXIT_PASSED
        self._printed = ""

    def start_suite(self, suite: TestSuite) -> bool:
        if suite.parent is None:
            found = outcomes(suite, self.expected)
            for outcome in found:
                if outcome.status == NOT_RUN:
                    _add_not_run_test(suite, outcome.case)
            results = verdicts(found)
            environment = self.environment or str(suite.metadata.get("Environment", ""))
            text = redact(diagnose(results, self.rules, environment, evidence_by_case(suite, self.evidence)))
            report = traceability_of(
                suite, results, case_diagnoses(results, self.rules), text, self.links, environment, suite_revision()
            )
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / "diagnosis.md").write_text(text + "\n", encoding="utf-8")
            write_junit(suite, self.folder / "junit.xml", self.evidence)
            markdown, page = write_traceability(report, self.folder)
            suite.metadata["Diagnosis"] = robot_documentation(text)
            suite.metadata["Traceability"] = f"[{page.name}|{page.name}] ({markdown.name} beside it)"
            self.exit_code = exit_code(results)
            # The listener may write twice (last suite, then the top suite's end): the console hears it once, and
            # the history gets the run once (a second record would only replace the first).
            if text != self._printed:
                self._print(text, page)
                from keywords.run.history.recording import (
                    remember_run,  # the database layer only when a run is recorded
                )

                remember_run(suite, self.expected, environment, self.folder, self.measured)
        return False

    def _print(self, text: str, page: Path) -> None:
        print(
            f"\n{text}\n\nDiagnosis: {(self.folder / 'diagnosis.md').resolve()}\nTraceability: {page.resolve()}"
            f"\nJUnit: {(self.folder / 'junit.xml').resolve()}",
            file=sys.__stdout__,
        )
        self._printed = text


def _add_not_run_test(top: TestSuite, case: Case) -> None:
    """A failed test named like the missing one, so the report's statistics and tag links count it too."""
    suite = top
    for name in case.suite.split(".")[1:]:
        suite = next((child for child in suite.suites if child.name == name), None) or suite.suites.create(name=name)
    suite.tests.create(name=case.title, tags=[*case.tags, NOT_RUN_TAG], status=FAIL, message=NOT_RUN_MESSAGE)


def _readable_result(output: str) -> TestSuite | None:
    """The output's top suite, or ``None`` (said on stderr) when it is missing, empty or cut off."""
    try:
        return ExecutionResult(output).suite
    except DataError as error:
        print(
            f"{output} cannot be read ({str(error).splitlines()[0]}): the run ended before writing its results; "
            "every selected case without a result is NOT RUN",
            file=sys.stderr,
        )
        return None


def main(argv: Sequence[str]) -> int:
    """Writes the artefacts of an existing output and regenerates its report and log; returns the run's exit code."""
    from robot import rebot

    parser = argparse.ArgumentParser(
        prog="focus-infra report",
        description="Diagnose a robot or pabot output.xml: diagnosis, junit.xml and traceability report beside it.",
        epilog="After --: the run's robot/pabot options; its selection and report options are applied.",
    )
    parser.add_argument("output", nargs="?", default="results/output.xml")
    parser.add_argument("--source", action="append", default=[], help="suite folder or file the run was given")
    parser.add_argument("--environment", default="", help="the environment the run checked (default: its metadata)")
    parser.add_argument(
        "--keep-diagnosed",
        action="store_true",
        help="an output whose run diagnosed itself (plain robot) keeps its artefacts: only the exit code is computed",
    )
    argv = list(argv)
    split = argv.index("--") if "--" in argv else len(argv)
    arguments = parser.parse_args(argv[:split])
    try:
        options = run_options(argv[split + 1 :])
    except DataError as error:  # robot itself refused the same command line
        parser.error(f"the run's options after -- are not robot's: {str(error).splitlines()[0]}")
    top = _readable_result(arguments.output)
    sources = arguments.source or list(options.sources) or ([top.source] if top and top.source else [])
    expected = selected_cases(sources, options.include, options.exclude, options.tests, options.suites)
    if top is not None and arguments.keep_diagnosed and "Diagnosis" in top.metadata:
        return exit_code(verdicts(outcomes(top, expected)))
    if top is None:  # robot killed before it wrote its output: every selected case is NOT RUN
        name = expected[0].suite.split(".")[0] if expected else (options.name or "Run")
        Result(suite=TestSuite(name=name)).save(arguments.output)
    folder = Path(arguments.output).parent
    links = JiraLinks(options.tagstatlink) if options.tagstatlink else None
    report = RunReport(folder, expected, environment=arguments.environment, links=links)
    rebot(
        arguments.output,
        outputdir=str(folder),
        prerebotmodifier=report,
        output=Path(arguments.output).name,  # the NOT RUN tests belong in the output too (Xray reads it)
        report="report.html",
        log="log.html",
        tagstatlink=list(options.tagstatlink),
        tagdoc=list(options.tagdoc),
        tagstatcombine=list(options.tagstatcombine),
        stdout=io.StringIO(),  # rebot's "Report: ..." lines would repeat what the run already printed
        **options.titles(),
    )
    return report.exit_code
