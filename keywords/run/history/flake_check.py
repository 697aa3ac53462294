"""``focus-infra flake-check --runs N [-- robot options]``: the spec's "run N times, same verdict".

Runs the suites N times in a row against one environment (each run in ``results/flake/run-<n>``), then prints,
per Jira case, how often it got each verdict and how its duration spread. Exit code 0 when every case got one
verdict in every run, 1 when one did not (flaky), 2 on wrong usage.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

from robot.api import ExecutionResult

from keywords.run.verdicts import outcome_of


def main(argv: list[str]) -> int:
    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(prog="focus-infra flake-check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="how many runs (at least 2)")
    parser.add_argument("--results", type=Path, default=Path("results") / "flake")
    parser.add_argument("--source", default="suites")
    arguments = parser.parse_args(argv[:split])
    if arguments.runs < 2:
        parser.error("--runs must be at least 2: one run cannot disagree with itself")
    verdicts: dict[str, list[str]] = defaultdict(list)
    seconds: dict[str, list[float]] = defaultdict(list)
    for number in range(1, arguments.runs + 1):
        output = arguments.results / f"run-{number}"
        command = [sys.executable, "-m", "robot", "--console", "none", "--outputdir", str(output)]
        subprocess.run([*command, "--argumentfile", "robot.args", *argv[split + 1 :], arguments.source], check=False)
        for test in ExecutionResult(str(output / "output.xml")).suite.all_tests:
            outcome = outcome_of(test)
            if outcome:
                verdicts[outcome.case.key].append(outcome.status)
                seconds[outcome.case.key].append(test.elapsed_time.total_seconds())
        print(f"run {number}/{arguments.runs} done", file=sys.stderr)
    print(table(verdicts, seconds, arguments.runs))
    return 0 if all(len(set(found)) == 1 and len(found) == arguments.runs for found in verdicts.values()) else 1


def table(verdicts: dict[str, list[str]], seconds: dict[str, list[float]], runs: int) -> str:
    lines = [
        f"| Jira | verdicts in {runs} runs | agreement | duration min / median / max (s) |",
        "|---|---|---:|---|",
    ]
    for key in sorted(verdicts):
        counts = Counter(verdicts[key])
        agreement = counts.most_common(1)[0][1] / runs
        shown = ", ".join(f"{verdict} {count}" for verdict, count in counts.most_common())
        durations = seconds[key]
        spread = f"{min(durations):.2f} / {statistics.median(durations):.2f} / {max(durations):.2f}"
        flag = "" if agreement == 1 else " **flaky**"
        lines.append(f"| {key} | {shown}{flag} | {agreement:.0%} | {spread} |")
    return "\n".join(lines)
