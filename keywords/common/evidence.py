"""First-response evidence: what a failing check collects, read-only, so on-call need not open a terminal first.

A keyword calls :func:`log_evidence` with a title and lines; the message is an ordinary INFO block in the log
(``evidence <title>`` on its first line, then the lines) and is bounded here, whoever collected it: at most
:data:`MAX_LINES` lines of at most :data:`MAX_LINE_CHARS` characters. Every line passes through the one redaction
function. :func:`evidence_of` finds the blocks in a test read from an ``output.xml``; during a run the diagnosis
listener collects them as they are logged (:func:`parsed_evidence`), and the diagnosis summarises them under the
failing case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from robot.api import logger

from keywords.common.logged_messages import messages_of
from keywords.common.redaction import redact
from keywords.run.cases import case_of

MAX_LINES = 60
MAX_LINE_CHARS = 300
_PREFIX = "evidence "


@dataclass(frozen=True)
class Evidence:
    """One block: ``title`` names what it is about (layer and target), ``lines`` what was found."""

    title: str
    lines: tuple[str, ...]

    def text(self) -> str:
        return "\n".join((f"{_PREFIX}{self.title}", *self.lines))


def bounded(title: str, lines: Iterable[str]) -> Evidence:
    """The block as it is logged: redacted, each line cut to :data:`MAX_LINE_CHARS`, at most :data:`MAX_LINES`."""
    kept: list[str] = []
    for count, line in enumerate(lines):
        if count == MAX_LINES:
            kept.append(f"... (more than {MAX_LINES} lines; the rest left out)")
            break
        line = redact(line.rstrip())
        kept.append(line if len(line) <= MAX_LINE_CHARS else line[: MAX_LINE_CHARS - 3] + "...")
    return Evidence(redact(title).replace("\n", " "), tuple(kept))


def log_evidence(title: str, lines: Iterable[str]) -> Evidence:
    """Log ``lines`` as one evidence block titled ``title``; returns what was logged."""
    evidence = bounded(title, lines)
    logger.info(evidence.text())
    return evidence


def parsed_evidence(message: str) -> Evidence | None:
    """The block when log ``message`` is evidence, else ``None``."""
    if not message.startswith(_PREFIX):
        return None
    title, *lines = message[len(_PREFIX) :].split("\n")
    return Evidence(title, tuple(lines))


def evidence_of(test) -> list[Evidence]:
    """Every evidence block logged anywhere inside result test ``test``, in the order logged."""
    return [evidence for evidence in map(parsed_evidence, messages_of(test)) if evidence]


def evidence_by_case(suite, collected: dict[str, list[Evidence]] | None = None) -> dict[str, list[Evidence]]:
    """``{Jira key: [evidence]}`` of every test in result ``suite``; ``collected`` (``{test full name: [evidence]}``)
    is what a listener heard during the run, else the blocks are read from the tests' bodies."""
    found: dict[str, list[Evidence]] = {}
    for test in suite.all_tests:
        case = case_of(test)
        if case is None:
            continue
        kept = found.setdefault(case.key, [])
        for block in evidence_for(test, collected):
            if block not in kept:  # two failing steps may log the same facts (a wrong service without endpoints)
                kept.append(block)
    return {key: blocks for key, blocks in found.items() if blocks}


def evidence_for(test, collected: dict[str, list[Evidence]] | None = None) -> list[Evidence]:
    """Result test ``test``'s evidence: what a listener ``collected`` for it, else what its body holds."""
    return collected.get(test.full_name, []) if collected is not None else evidence_of(test)
