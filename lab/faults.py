"""Faults are data: ``faults.yaml`` says what each fault changes, per lab component."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

FAULTS_FILE = Path(__file__).with_name("faults.yaml")


def fault_table() -> dict[str, dict[str, Any]]:
    """``{fault name: {"description": ..., component name: settings}}``."""
    return yaml.safe_load(FAULTS_FILE.read_text(encoding="utf-8"))


def check_known(faults: frozenset[str]) -> None:
    """Stop with one line naming the unknown faults and the known ones."""
    unknown = sorted(faults - set(fault_table()))
    if unknown:
        raise SystemExit(f"unknown fault(s) {unknown}; known: {sorted(fault_table())}")


def settings_for(component: str, faults: frozenset[str]) -> dict[str, Any]:
    """The merged settings the active faults give ``component`` (empty when healthy); lists add up, so two
    faults of one component (two manifest overlays, two missing tools) both apply."""
    merged: dict[str, Any] = {}
    for name, fault in fault_table().items():
        if name in faults:
            for key, value in (fault.get(component) or {}).items():
                merged[key] = [*merged.get(key, []), *value] if isinstance(value, list) else value
    return merged
