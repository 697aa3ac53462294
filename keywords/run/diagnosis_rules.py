"""The diagnosis rules, read from ``variables/diagnosis_rules.yaml`` (or ``$FOCUS_DIAGNOSIS_RULES``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from keywords import PROJECT_ROOT
from keywords.run.cases import Case

RULES_FILE = PROJECT_ROOT / "variables" / "diagnosis_rules.yaml"
FILE_VARIABLE = "FOCUS_DIAGNOSIS_RULES"
PASS, FAIL, SKIP, NOT_RUN, NOT_CHECKED = "PASS", "FAIL", "SKIP", "NOT RUN", "NOT CHECKED"
VERDICTS = (PASS, FAIL, SKIP, NOT_RUN, NOT_CHECKED)


@dataclass(frozen=True)
class Rule:
    """Applies when every Jira key in ``when`` has that verdict."""

    when: dict[str, str]
    diagnosis: str
    next_step: str

    def broken_keys(self) -> list[str]:
        """The keys the rule expects not to pass (what the diagnosis line names)."""
        return [key for key, verdict in self.when.items() if verdict != PASS]


@dataclass(frozen=True)
class FixGroup:
    name: str
    cases: tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    rules: tuple[Rule, ...]
    fix_order: tuple[FixGroup, ...]
    layers: dict[str, str]

    def names(self, key: str) -> bool:
        """Whether any rule or fix group speaks of ``key``."""
        return any(key in rule.when for rule in self.rules) or any(key in group.cases for group in self.fix_order)

    def fix_rank(self, key: str) -> tuple[int, int]:
        """(``key``'s fix group, its place in the group); cases in no group come after every group."""
        for rank, group in enumerate(self.fix_order):
            if key in group.cases:
                return rank, group.cases.index(key)
        return len(self.fix_order), 0

    def layer_title(self, case: Case) -> str:
        return self.layers.get(case.layer, case.layer or "no layer tag")


def rules_file() -> Path:
    return Path(os.environ.get(FILE_VARIABLE) or RULES_FILE)


def load_rules(path: Path | None = None) -> Rules:
    """Parse and check the rules file; a mistake in it raises ``ValueError`` naming the file and the entry."""
    path = path or rules_file()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rules = []
    for number, entry in enumerate(data.get("rules") or [], start=1):
        when = {str(key): str(verdict).upper() for key, verdict in (entry.get("when") or {}).items()}
        wrong = {key: verdict for key, verdict in when.items() if verdict not in VERDICTS}
        if not when or wrong or not entry.get("diagnosis"):
            raise ValueError(
                f"{path}: rule {number} needs `when` (Jira key: one of {', '.join(VERDICTS)}) and `diagnosis`; "
                f"got {entry}"
            )
        rules.append(Rule(when, entry["diagnosis"], entry.get("next_step", "")))
    groups = tuple(FixGroup(group["name"], tuple(group.get("cases") or ())) for group in data.get("fix_order") or [])
    return Rules(tuple(rules), groups, dict(data.get("layers") or {}))
