"""The options of a robot/pabot command line that the run's artefacts depend on, and the Jira links they give.

Robot keeps ``--include``/``--tagstatlink``... to itself; the diagnosis of a pabot run needs them again, so they
are read from the same command line (argument files included, as Robot reads them: one option and its value a
line, ``#`` comments). The Jira links come from ``--tagstatlink`` (``robot.args``): one place for the Jira URL.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from robot.model.tagstatistics import TagStatLink

BASE_ARGUMENT_FILE = Path(__file__).resolve().parent.parent / "robot.args"
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
    "--tagstatcombine": "tagstatcombine",
    "--name": "name",
    "-N": "name",
    "--reporttitle": "reporttitle",
    "--logtitle": "logtitle",
}
_OPTION_LINE = re.compile(r"^(-[^\s=]+)[\s=]+(.*)$")


def _expand_argument_files(args: Sequence[str]) -> list[str]:
    """``-A FILE``/``--argumentfile FILE`` replaced by the file's options (argument files may name others)."""
    expanded, tokens = [], iter(args)
    for token in tokens:
        name, equals, value = token.partition("=")
        if name.lower() not in ("-a", "--argumentfile"):
            expanded.append(token)
            continue
        lines = Path(value if equals else next(tokens, "")).read_text(encoding="utf-8").splitlines()
        from_file = []
        for line in (line.strip() for line in lines):
            if line and not line.startswith("#"):
                match = _OPTION_LINE.match(line)
                from_file.extend(match.groups() if match else [line])
        expanded.extend(_expand_argument_files(from_file))
    return expanded


def run_options(args: Sequence[str]) -> dict[str, list[str]]:
    """The selection and report options of a robot/pabot command line, argument files included."""
    tokens = iter(_expand_argument_files(args))
    options: dict[str, list[str]] = defaultdict(list)
    for token in tokens:
        name, equals, value = token.partition("=") if token.startswith("--") else (token, "", "")
        key = _OPTIONS.get(name) or _OPTIONS.get(name.lower())
        if key:
            options[key].append(value if equals else next(tokens, ""))
    return options


class JiraLinks:
    """Links of Jira keys, from ``--tagstatlink pattern:link:title`` options (Robot's own matching)."""

    def __init__(self, tagstatlinks: Sequence[str]) -> None:
        self._links = []
        for value in tagstatlinks:
            tokens = value.split(":")  # split as Robot splits it: the link itself may hold colons (https:)
            if len(tokens) >= 3:
                self._links.append(TagStatLink(tokens[0], ":".join(tokens[1:-1]), tokens[-1]))

    @classmethod
    def of_base_arguments(cls) -> JiraLinks:
        """The links of ``robot.args``, which every documented run uses."""
        return cls(run_options(["--argumentfile", str(BASE_ARGUMENT_FILE)])["tagstatlink"])

    def link(self, key: str) -> str | None:
        return next((found[0] for found in (link.get_link(key) for link in self._links) if found), None)
