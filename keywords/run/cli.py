"""``focus-infra``: the suite's one command, with a subcommand for each job around a run (as ``robot``, ``rebot`` and
``pabot`` users expect one command per tool).

| ``focus-infra report results/output.xml --source suites -- <the run's options>`` | diagnose an output, exit 0/1/3/4 |
| ``focus-infra xray results/output.xml --project-key PZ``                          | import the results into Xray    |
| ``focus-infra history report --results results``                                 | the run history's trend page    |
| ``focus-infra flake-check --runs 5``                                             | the same cases, run repeatedly  |
| ``focus-infra environments --environments a,b --results results``               | several environments in one go |

Each subcommand keeps its own options and ``--help``; its module is imported only when it runs (the history needs
SQLAlchemy, Xray an HTTP client), so ``focus-infra --help`` and ``report`` start quickly.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: ``{subcommand: (what it does, the module whose main(argv) runs it)}``.
COMMANDS = {
    "report": (
        "diagnose a robot or pabot output.xml: diagnosis, junit.xml, traceability report; exit 0/1/3/4",
        "keywords.run.report",
    ),
    "xray": ("import a run's results into Xray (cloud or server)", "keywords.run.xray.command"),
    "history": ("the run history of every diagnosed run: its trend page and runs", "keywords.run.history.command"),
    "flake-check": ("run the suites repeatedly and table each case's verdicts", "keywords.run.history.flake_check"),
    "environments": ("run every suite against several environments in one go", "keywords.run.many_environments"),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="focus-infra",
        description="The Focus Server infrastructure suite's command; `focus-infra COMMAND --help` for each.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (summary, _module) in COMMANDS.items():
        # The subcommand's own parser reads the rest of the line, its --help included.
        commands.add_parser(name, help=summary, add_help=False)
    arguments, rest = parser.parse_known_args(argv)
    module = importlib.import_module(COMMANDS[arguments.command][1])
    return module.main(rest)


if __name__ == "__main__":  # `python -m keywords.run.cli` where the console script is not installed
    sys.exit(main())
