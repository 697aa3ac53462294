"""``focus-infra history report``: the trend page from the run history.

    focus-infra history report [--results results] [--output results/trends.html]
    focus-infra history runs   [--results results]

The history is ``$FOCUS_HISTORY_URL`` or ``history.sqlite`` in the results folder; every diagnosed run adds to it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from keywords.run.history.store import HistoryStore, history_url, shown_url
from keywords.run.history.trends import write_trends


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="focus-infra history", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="write the trend page (trends.html) from the history")
    listing = commands.add_parser("runs", help="list the runs in the history")
    for command in (report, listing):
        command.add_argument("--results", type=Path, default=Path("results"), help="where history.sqlite is")
    report.add_argument("--output", type=Path, help="default: trends.html in the results folder")
    arguments = parser.parse_args(argv)
    url = history_url(arguments.results)
    store = HistoryStore(url)
    store.migrate()
    runs = store.runs()
    if arguments.command == "runs":
        for run in runs:
            print(f"{run['started']:%Y-%m-%d %H:%M:%S}  {run['environment']:<16} exit {run['exit_code']}  "
                  f"{run['seconds']:7.2f} s  {run['revision']}")  # fmt: skip
        return 0
    output = arguments.output or arguments.results / "trends.html"
    write_trends(runs, store.case_results(), store.measurements(), output)
    print(f"Trends: {output.resolve()} ({len(runs)} run{'' if len(runs) == 1 else 's'} in {shown_url(url)})")
    return 0
