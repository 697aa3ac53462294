"""Run-level diagnosis: every selected Jira case's verdict and layer, the rules' failure patterns, and the fix order.

Pure text from verdicts (:mod:`keywords.run.verdicts`) and the rules in ``variables/diagnosis_rules.yaml``; the cases
come from the run, never from a list here. :mod:`keywords.run.report` writes it with the run's other artefacts.
"""

from __future__ import annotations

import re

from keywords.common.evidence import Evidence
from keywords.run.diagnosis_rules import FAIL, NOT_CHECKED, NOT_RUN, PASS, SKIP, Rule, Rules, rules_file
from keywords.run.verdicts import NOT_RUN_CAUSES, RUN_FAILING, CaseVerdict, run_failed

#: Lines of each evidence block the diagnosis shows; the log has all of them.
EVIDENCE_SUMMARY_LINES = 20


#: How the diagnosis says why a rule's case cannot confirm it in this run.
_UNCONFIRMED = {None: "was not selected in this run", NOT_RUN: "was not run", NOT_CHECKED: "was not checked"}


def _unconfirmed(rule: Rule, results: dict[str, CaseVerdict]) -> list[str] | None:
    """The keys of ``rule`` this run has no verdict for, where all the others hold (``[]``: the rule matches);
    ``None`` when the rule does not apply.

    Only a key the rule wants to pass may be unknown: it is the healthy layer that tells one problem from another
    (PZ-13806 passing makes a PZ-13898 failure a health problem), so a run without it still names the likely layer.
    A broken key the run did not see never counts: a rule is never named for a failure nobody met.
    """
    unknown = []
    for key, wanted in rule.when.items():
        found = results[key].status if key in results else None
        if found == wanted:
            continue
        if wanted == PASS and found in _UNCONFIRMED:
            unknown.append(key)
        else:
            return None
    return unknown


def _why_unconfirmed(keys: list[str], results: dict[str, CaseVerdict]) -> str:
    said = [f"{key} {_UNCONFIRMED[results[key].status if key in results else None]}" for key in keys]
    return f"likely: {', '.join(said)}; {'it' if len(keys) == 1 else 'they'} would confirm it"


def _named_rules(results: dict[str, CaseVerdict], rules: Rules) -> list[tuple[Rule, list[str]]]:
    """(rule, keys that would confirm it) of every rule that names a failure of this run: each matching rule, then
    each rule this run cannot confirm for a failed case no matching rule names."""
    found = [(rule, _unconfirmed(rule, results)) for rule in rules.rules]
    matched = [(rule, unknown) for rule, unknown in found if unknown == []]
    named = {key for rule, _ in matched for key in rule.broken_keys()}
    likely = [(rule, unknown) for rule, unknown in found if unknown and not set(rule.broken_keys()) <= named]
    return matched + likely


def diagnose(
    results: dict[str, CaseVerdict],
    rules: Rules,
    environment: str = "",
    evidence: dict[str, list[Evidence]] | None = None,
) -> str:
    """The diagnosis as Markdown; one line when everything passed.

    ``evidence`` (``{Jira key: [evidence]}``) is summarised under each failing case, in fix order.
    """
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
    lines += _evidence_summary([verdict.key for verdict in failing], evidence or {})
    return "\n".join(lines)


def _evidence_summary(keys: list[str], evidence: dict[str, list[Evidence]]) -> list[str]:
    """Each failing case's evidence blocks, cut to their first lines: the whole blocks are in the log."""
    lines = []
    for key in keys:
        for block in evidence.get(key, []):
            shown = block.lines[:EVIDENCE_SUMMARY_LINES]
            more = len(block.lines) - len(shown)
            lines += ["", f"### {key} evidence: {block.title}", "", "```", *shown, "```"]
            if more:
                lines.append(f"({more} more line(s) in log.html)")
    return ["", "## Evidence (collected read-only when the check failed)", *lines] if lines else []


def case_diagnoses(results: dict[str, CaseVerdict], rules: Rules) -> dict[str, str]:
    """``{Jira key: what is wrong there}`` for every case that did not pass: the rule's diagnosis that names it
    (with what would confirm it where this run cannot), or why none applies."""
    named: dict[str, str] = {}
    for rule, unknown in _named_rules(results, rules):
        for key in rule.broken_keys():
            named.setdefault(
                key, f"{rule.diagnosis} ({_why_unconfirmed(unknown, results)})" if unknown else rule.diagnosis
            )
    for key, verdict in results.items():
        if key in named or verdict.status not in RUN_FAILING:
            continue
        if verdict.status == NOT_RUN:
            named[key] = "no result"
        elif verdict.status == NOT_CHECKED:
            named[key] = "settings unusable"
        else:
            named[key] = "no known pattern" if rules.names(key) else f"{rules.layer_title(verdict.case)} problem"
    return named


def _findings(results: dict[str, CaseVerdict], rules: Rules) -> list[str]:
    def keys(status: str) -> list[str]:
        return [key for key, verdict in results.items() if verdict.status == status]

    lines = []
    if keys(NOT_RUN):
        lines.append(
            f"- {', '.join(keys(NOT_RUN))} not run → **no result**: selected for this run but missing from its "
            f"output ({NOT_RUN_CAUSES}: the run's console says which); the run counts as failed. Run it again."
        )
    if keys(NOT_CHECKED):
        lines.append(
            f"- {', '.join(keys(NOT_CHECKED))} not checked → **the run's settings for this environment are "
            "unusable**: provide what each message below names, then run again."
        )
    # A case that was not checked says nothing about its layer: no rule counts it as passed or failed.
    named = set()
    for rule, unknown in _named_rules(results, rules):
        likely = f" ({_why_unconfirmed(unknown, results)})" if unknown else ""
        lines.append(f"- {', '.join(rule.broken_keys())} failed → **{rule.diagnosis}**{likely}: {rule.next_step}.")
        named |= set(rule.broken_keys())
    # Every failed case is named under "What is broken", whether or not a rule explains it.
    for key in (key for key in keys(FAIL) if key not in named):
        layer = rules.layer_title(results[key].case)
        if rules.names(key):
            lines.append(
                f"- {key} failed → **{layer}**: no known pattern matches this run's verdicts; read its cause below."
            )
        else:
            lines.append(
                f"- {key} failed → **{layer} problem**: no diagnosis rule names {key} ({rules_file().name}); "
                "read its cause below."
            )
    for key, verdict in results.items():
        if len(verdict.outcomes) > 1:
            tests = ", ".join(f"'{outcome.case.title}' {outcome.status}" for outcome in verdict.outcomes)
            lines.append(f"- {key} is declared by {len(verdict.outcomes)} tests ({tests}); any failure fails the case.")
    return lines


def robot_documentation(markdown: str) -> str:
    """The diagnosis in Robot Framework's documentation syntax, which the report renders (its own Markdown-like
    syntax: ``*bold*``, ``| =header= |`` tables, ``-`` lists)."""
    lines = []
    fenced = False
    for line in markdown.splitlines():
        if line == "```":
            fenced = not fenced
            continue
        if fenced:  # Robot's preformatted text; a line that ends in " |" would read as a table row
            lines.append(f"| {line.rstrip(' |')}")
            continue
        if line.startswith("|---"):
            continue
        if line.startswith("| Jira |"):
            line = "| " + " | ".join(f"={cell.strip()}=" for cell in line.strip("| ").split(" | ")) + " |"
        line = re.sub(r"^#+ (.*)$", r"*\1*", line)
        line = re.sub(r"^(\d+\.) ", r"- \1 ", line)
        lines.append(line.replace("**", "*"))
    return "\n".join(lines)
