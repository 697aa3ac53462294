"""The benchmark's scenarios; each returns plain data for ``results/bench.json``."""

from __future__ import annotations

import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml
from robot.api import ExecutionResult

from bench.hyperfine import REPO_ROOT, time_commands
from bench.lab_session import lab_up, published

VENV_BIN = Path(sys.executable).parent
BLACK_HOLED = ("mongo-unresponsive", "k8s-api-unresponsive", "ssh-jump-unresponsive")
REFUSED = ("mongo-down", "k8s-api-down", "ssh-jump-down")
#: The lab environment's timeouts; without them each layer's default (10 s for MongoDB and Kubernetes) applies.
TIMEOUT_KEYS = {"mongodb": ("server_selection_timeout_ms", "connect_timeout_ms", "socket_timeout_ms")}
TIMEOUT_KEYS["kubernetes"] = ("request_timeout_s",)


def robot_command(output: Path, *extra: str, sources: str = "suites") -> str:
    arguments = [
        str(VENV_BIN / "robot"),
        "--argumentfile",
        "robot.args",
        "--console",
        "none",
        "--outputdir",
        str(output),
    ]
    return shlex.join([*arguments, *extra, sources])


def pabot_command(output: Path, processes: int, sources: str = "suites") -> str:
    arguments = [str(VENV_BIN / "pabot"), "--processes", str(processes), "--argumentfile", "robot.args"]
    return shlex.join([*arguments, "--outputdir", str(output), sources])


def healthy(work: Path, runs: int) -> dict:
    """All six cases against the healthy lab: sequential robot, pabot, and the main command as a whole."""
    with lab_up(work / "lab") as env:
        runners = time_commands(
            {
                "robot, sequential": robot_command(work / "robot"),
                "pabot --processes 2": pabot_command(work / "pabot2", 2),
                "pabot --processes 4": pabot_command(work / "pabot4", 4),
                "pabot --processes 6 (one per suite)": pabot_command(work / "pabot6", 6),
            },
            runs,
            env=env,
        )
        inside = _inside_robot(work / "phases", env, runs)
        diagnosis = time_commands(
            {
                "diagnosis of a robot run (run.sh main: exit code only)": _run_report(work / "robot", keep=True),
                "diagnosis of a pabot run (artefacts and rebot)": _run_report(work / "pabot4", keep=False),
            },
            runs,
            env=env,
        )
        start_seconds = published(work / "lab")["LAB_START_SECONDS"]
        # A warm run: main reuses the lab that is up (python -m lab run's check), as on an on-call machine that
        # keeps `python -m lab up` running, or an environment that is already there.
        warm_main = time_commands(
            {"./run.sh main, warm (the lab already up)": f"RESULTS_DIR={work / 'main-warm'} ./run.sh main"},
            runs,
            env=env,
        )
    lab_state = work / "lab-phases"
    lab_env = {"FOCUS_LAB_STATE": str(lab_state)}
    lab = f"{shlex.quote(sys.executable)} -m lab"
    stop = [sys.executable, "-m", "lab", "down"]
    try:
        lab_phases = time_commands({"lab up": f"{lab} up"}, runs, env=lab_env, prepare=f"{lab} down")
        subprocess.run(stop, cwd=REPO_ROOT, env={**os.environ, **lab_env}, check=True, capture_output=True)
        lab_phases += time_commands({"lab down": f"{lab} down"}, runs, env=lab_env, prepare=f"{lab} up")
    finally:  # whatever failed, no lab is left running
        subprocess.run(stop, cwd=REPO_ROOT, env={**os.environ, **lab_env}, check=True, capture_output=True)
    setup = time_commands({"set-up check (./run.sh setup)": "./run.sh setup"}, runs)
    main = time_commands(
        {
            "./run.sh main": f"RESULTS_DIR={work / 'main'} FOCUS_LAB_STATE={work / 'main-lab'} ./run.sh main",
            "./run.sh main, stand-in Kubernetes": (
                f"LAB_KUBERNETES=stand-in RESULTS_DIR={work / 'main-s'} FOCUS_LAB_STATE={work / 'main-lab-s'} "
                "./run.sh main"
            ),
        },
        runs,
    )
    return {
        "runners": [timing.as_dict() for timing in runners],
        "main": [timing.as_dict() for timing in [*warm_main, *main]],
        "phases": {
            "setup": [timing.as_dict() for timing in setup],
            "lab": [timing.as_dict() for timing in lab_phases],
            "lab_component_start_seconds": start_seconds,
            "inside_robot": inside,
            "diagnosis": [timing.as_dict() for timing in diagnosis],
        },
    }


def _run_report(results: Path, keep: bool) -> str:
    arguments = [str(Path(sys.executable).parent / "focus-infra"), "report", str(results / "output.xml")]
    arguments += ["--keep-diagnosed"] if keep else []
    return shlex.join([*arguments, "--source", "suites", "--", "--argumentfile", "robot.args"])


def _inside_robot(work: Path, env: dict[str, str], runs: int) -> dict:
    """Where a sequential robot run's time goes: start-up and output writing, suite overhead (library import, the
    endpoint probe, set-ups), and the checks themselves (the tests' own time)."""
    split: dict[str, list[float]] = {"wall": [], "start_up_and_output": [], "suite_overhead": [], "checks": []}
    for run in range(runs):
        output = work / str(run)
        started = time.monotonic()
        subprocess.run(
            shlex.split(robot_command(output)), cwd=REPO_ROOT, env={**os.environ, **env}, capture_output=True
        )
        wall = time.monotonic() - started
        suite = ExecutionResult(str(output / "output.xml")).suite
        checks = sum(test.elapsed_time.total_seconds() for test in suite.all_tests)
        top = suite.elapsed_time.total_seconds()
        for name, value in (("wall", wall), ("start_up_and_output", wall - top)):
            split[name].append(value)
        split["suite_overhead"].append(top - checks)
        split["checks"].append(checks)
    per_case = {test.name: test.elapsed_time.total_seconds() for test in suite.all_tests}
    return {
        "median_seconds": {name: statistics.median(values) for name, values in split.items()},
        "last_run_case_seconds": per_case,
        "endpoint_probe": suite.metadata.get("Endpoints at start", ""),
    }


def dead_environment(work: Path, runs: int) -> dict:
    """Time to the whole run's verdict with every endpoint refused, or black-holed, for 5 s and 10 s timeouts."""
    defaults_file = _environments_without_timeouts(work / "environments-default-timeouts.yaml")
    timings = []
    for label, faults in (("refused", REFUSED), ("black-holed", BLACK_HOLED)):
        with lab_up(work / f"lab-{label}", faults) as env:
            commands = {
                f"{label}, lab timeouts (5 s), robot": robot_command(work / f"{label}-5"),
                f"{label}, lab timeouts (5 s), pabot 6": pabot_command(work / f"{label}-5-pabot", 6),
            }
            timings += time_commands(commands, runs, warmup=0, env=env, failing=True)
            default_env = {**env, "FOCUS_ENVIRONMENTS_FILE": str(defaults_file)}
            commands = {f"{label}, default timeouts (10 s), robot": robot_command(work / f"{label}-10")}
            timings += time_commands(commands, runs, warmup=0, env=default_env, failing=True)
    return {"runs": [timing.as_dict() for timing in timings]}


def _environments_without_timeouts(path: Path) -> Path:
    environments = yaml.safe_load((REPO_ROOT / "variables" / "environments.yaml").read_text(encoding="utf-8"))
    lab = environments["lab"]
    for section, keys in TIMEOUT_KEYS.items():
        for key in keys:
            lab[section].pop(key, None)
    lab["env_file"] = "${FOCUS_LAB_STATE}/lab.env"  # relative to this file otherwise
    path.write_text(yaml.safe_dump({"lab": lab}, sort_keys=False), encoding="utf-8")
    return path


def keyword_overhead(work: Path, samples: int) -> dict:
    """Each layer's keyword, run by Robot, against its raw client on the same connection (medians)."""
    output = work / "overhead"
    with lab_up(work / "lab-overhead") as env:
        # The benchmark's library runs from the checkout (only the product is installed into the venv).
        command = [str(VENV_BIN / "robot"), "--console", "none", "--outputdir", str(output), "--pythonpath", "."]
        command += ["--variable", f"SAMPLES:{samples}", "--variable", f"BENCH_OUT:{output / 'overhead.json'}"]
        completed = subprocess.run(
            [*command, "bench/overhead.robot"], cwd=REPO_ROOT, env={**os.environ, **env}, capture_output=True, text=True
        )
    if completed.returncode != 0:
        raise RuntimeError(f"bench/overhead.robot failed:\n{completed.stdout[-2000:]}")
    return json.loads((output / "overhead.json").read_text(encoding="utf-8"))


def memory(work: Path) -> dict:
    """Peak resident memory of a sequential robot run, of pabot's largest worker, and of the lab's processes."""
    with lab_up(work / "lab-memory") as env:
        lab_pid = int((work / "lab-memory" / "lab.pid").read_text())
        sampler = _TreeSampler(lab_pid)
        sampler.start()
        robot_kib = _peak_child_kib(robot_command(work / "memory-robot"), env)
        pabot_kib = _peak_child_kib(pabot_command(work / "memory-pabot", 4), env)
        sampler.stop()
    return {
        "robot_sequential_peak_mib": robot_kib / 1024,
        "pabot_4_largest_process_peak_mib": pabot_kib / 1024,
        "lab_peak_mib_by_process": {name: kib / 1024 for name, kib in sampler.peak_by_name.items()},
        "lab_peak_total_mib": sampler.peak_total / 1024,
    }


def _peak_child_kib(command: str, env: dict[str, str]) -> int:
    """ru_maxrss of the largest process ``command`` ran (its own children included), measured in a fresh process."""
    probe = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe, *shlex.split(command)],
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return int(completed.stdout.strip())


class _TreeSampler:
    """Samples the resident memory of a process and its descendants every 50 ms, keeping the peaks."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.peak_by_name: dict[str, int] = {}
        self.peak_total = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            sizes = {}
            for pid in self._tree(self._pid):
                name, kib = _rss(pid)
                if name:
                    sizes[f"{name} ({pid})"] = kib
            self.peak_total = max(self.peak_total, sum(sizes.values()))
            for name, kib in sizes.items():
                label = re.sub(r" \(\d+\)$", "", name)
                self.peak_by_name[label] = max(self.peak_by_name.get(label, 0), kib)

    def _tree(self, pid: int) -> list[int]:
        found = [pid]
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                for child in (task / "children").read_text().split():
                    found += self._tree(int(child))
        except OSError:
            pass
        return found


def _rss(pid: int) -> tuple[str, int]:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "", 0
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    name = fields.get("Name", "").strip()
    if name.startswith("python"):
        name = "lab (python)"
    return name, int(fields.get("VmRSS", "0 kB").split()[0])


def scaling(work: Path, copies: tuple[int, ...], runs: int) -> dict:
    """Wall time as the number of cases grows: ``copies`` copies of the six suites against one lab."""
    timings = []
    with lab_up(work / "lab-scaling") as env:
        for count in copies:
            sources = _copied_suites(work / f"copies-{count}", count)
            commands = {f"{6 * count} cases, robot": robot_command(work / f"scale-{count}-robot", sources=sources)}
            for processes in (2, 4):
                name = f"{6 * count} cases, pabot {processes}"
                commands[name] = pabot_command(work / f"scale-{count}-pabot{processes}", processes, sources=sources)
            timings += time_commands(commands, runs, warmup=0, env=env)
    return {"runs": [timing.as_dict() for timing in timings]}


def _copied_suites(folder: Path, count: int) -> str:
    """``count`` copies of ``suites/`` under ``folder``, their resources read from the repository."""
    resources = str(REPO_ROOT / "resources") + "/"
    source = REPO_ROOT / "suites"
    (folder).mkdir(parents=True, exist_ok=True)
    init = (source / "__init__.robot").read_text(encoding="utf-8").replace("../resources/", resources)
    (folder / "__init__.robot").write_text(init, encoding="utf-8")
    for copy in range(count):
        for robot_file in source.glob("*/*.robot"):
            target = folder / f"copy{copy:02d}" / robot_file.parent.name / robot_file.name
            target.parent.mkdir(parents=True, exist_ok=True)
            text = robot_file.read_text(encoding="utf-8").replace("../../resources/", resources)
            target.write_text(text, encoding="utf-8")
    return str(folder)


PEER_SUITE = "bench/peer"


def peer(work: Path, runs: int) -> dict:
    """The project's sequential robot run, the peer (the same six cases with off-the-shelf libraries) and the floor
    (the same network calls by one plain Python process) in one hyperfine run against one healthy lab."""
    commands = {
        "project: robot, sequential": robot_command(work / "project"),
        "peer: robot (SSHLibrary, KubeLibrary, robotframework-mongodb)": _peer_command(work / "peer"),
        "floor: python, raw clients": shlex.join([sys.executable, "-m", "bench.floor"]),
    }
    with lab_up(work / "lab") as env:
        # The peer reads the lab's published settings from the environment, as `python -m lab run` sets them.
        env = {**env, **lab_environment(work / "lab")}
        floor_cases = _check_once(commands, work, env)
        timings = time_commands(commands, runs, env=env)
    project, peer_run = _run_split(work / "project"), _run_split(work / "peer")
    return {
        "runs": [timing.as_dict() for timing in timings],
        "project": project,
        "peer": peer_run,
        "floor": {"case_seconds": floor_cases},
    }


def _peer_command(output: Path) -> str:
    arguments = [str(VENV_BIN / "robot"), "--console", "none", "--outputdir", str(output), PEER_SUITE]
    return shlex.join(arguments)


def lab_environment(state: Path) -> dict[str, str]:
    """``lab.env`` as environment variables (its values are shell words: some are quoted)."""
    return {name: " ".join(shlex.split(value)) for name, value in published(state).items()}


def _check_once(commands: dict[str, str], work: Path, env: dict[str, str]) -> dict[str, float]:
    """Runs each command once before timing: all three must pass against the healthy lab (the peer's six cases
    too), else the benchmark stops naming the failure. Returns the floor's own per-case seconds."""
    floor_cases: dict[str, float] = {}
    for name, command in commands.items():
        completed = subprocess.run(
            shlex.split(command), cwd=REPO_ROOT, env={**os.environ, **env}, capture_output=True, text=True
        )
        if completed.returncode != 0:
            output = (completed.stdout + completed.stderr)[-3000:]
            raise RuntimeError(f"{name} failed against the healthy lab:\n{output}")
        if name.startswith("floor"):
            floor_cases = parse_floor_output(completed.stdout)
    for folder in ("project", "peer"):
        total = ExecutionResult(str(work / folder / "output.xml")).statistics.total
        if (total.passed, total.failed, total.skipped) != (6, 0, 0):
            raise RuntimeError(f"{folder}: {total.passed} of 6 cases passed against the healthy lab")
    return floor_cases


def parse_floor_output(stdout: str) -> dict[str, float]:
    """``PZ-13806 PASS 0.023 s`` lines of ``bench/floor.py`` as ``{key: seconds}``."""
    cases = {}
    for line in stdout.splitlines():
        match = re.fullmatch(r"(PZ-\d+) PASS ([\d.]+) s", line.strip())
        if match:
            cases[match.group(1)] = float(match.group(2))
    return cases


def _run_split(output: Path) -> dict:
    """The last timed run's suite time, its tests' time and each case's test time (by Jira key), from output.xml."""
    suite = ExecutionResult(str(output / "output.xml")).suite
    cases = {}
    for test in suite.all_tests:
        key = next((tag for tag in test.tags if re.fullmatch(r"PZ-\d+", tag)), test.name)
        cases[key] = test.elapsed_time.total_seconds()
    return {
        "suite_seconds": suite.elapsed_time.total_seconds(),
        "tests_seconds": sum(cases.values()),
        "case_seconds": cases,
    }
