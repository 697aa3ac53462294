"""``python -m bench [--quick] [--only NAME ...]``: time the suite, write ``results/bench.json``, print a table.

Scenarios: healthy (robot vs pabot vs the main command, and where a run's time goes), peer (the project's
sequential robot vs the same six cases written with off-the-shelf libraries vs the floor, one plain Python process
with the raw clients, in one hyperfine run), dead (time to verdict with every endpoint refused or black-holed),
overhead (keywords vs raw clients), memory, latency (0, 20 and 100 ms round trips through toxiproxy), scaling
(6, 24, 96 cases).
``./run.sh bench`` installs hyperfine first (Debian, as root) and runs this.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import robot

from bench import scenarios
from bench.hyperfine import REPO_ROOT, hyperfine_version
from bench.latency import latency
from bench.table import render

SCENARIOS = ("healthy", "peer", "dead", "overhead", "memory", "latency", "scaling")


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory_kib = int(
        next(line for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line).split()[1]
    )
    load = os.getloadavg()[0]
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "load_average_1m_at_start": round(load, 2),
        "python": platform.python_version(),
        "robot_framework": robot.__version__ if hasattr(robot, "__version__") else robot.version.VERSION,
        "hyperfine": hyperfine_version(),
        "kubernetes_in_lab": os.environ.get("LAB_KUBERNETES") or "real when built (python -m lab build), else stand-in",
    }


def _save(report: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs and no 96-case scaling (about 8 minutes)")
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "results" / "bench.json")
    arguments = parser.parse_args(argv)
    if not shutil.which("hyperfine"):
        print("hyperfine is missing: ./run.sh bench installs it (Debian package hyperfine)", file=sys.stderr)
        return 2
    runs = 2 if arguments.quick else 8
    report: dict = {"machine": machine(), "quick": arguments.quick, "scenarios": {}}
    if arguments.only != list(SCENARIOS) and arguments.output.is_file():
        # A partial run keeps the other scenarios of the last one; each says when it was measured.
        earlier = json.loads(arguments.output.read_text(encoding="utf-8"))
        report["scenarios"], report["measured_at"] = earlier.get("scenarios", {}), earlier.get("measured_at", {})
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="focus-bench-") as folder:
        for name in arguments.only:
            print(f"bench: {name} ...", file=sys.stderr, flush=True)
            work = Path(folder)
            (work / name).mkdir(parents=True)
            if name == "healthy":
                result = scenarios.healthy(work / name, runs)
            elif name == "peer":
                result = scenarios.peer(work / name, runs + 1 if arguments.quick else runs)
            elif name == "dead":
                result = scenarios.dead_environment(work / name, 1 if arguments.quick else 3)
            elif name == "overhead":
                result = scenarios.keyword_overhead(work / name, 20 if arguments.quick else 100)
            elif name == "memory":
                result = scenarios.memory(work / name)
            elif name == "latency":
                result = latency(work / name, 1 if arguments.quick else 3)
            else:
                copies = (1, 4) if arguments.quick else (1, 4, 16)
                result = scenarios.scaling(work / name, copies, 1 if arguments.quick else 2)
            report["scenarios"][name] = result
            report.setdefault("measured_at", {})[name] = time.strftime("%Y-%m-%d %H:%M:%S")
            _save(report, arguments.output)  # a later scenario's failure keeps what was measured
    report["bench_seconds"] = round(time.monotonic() - started, 1)
    _save(report, arguments.output)
    print(render(report))
    print(f"\nbench.json: {arguments.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
