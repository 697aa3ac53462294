"""``python -m lab up|down|run|faults|build``: the local infrastructure of real servers on 127.0.0.1.

    python -m lab up [--fault NAME ...]     start in the background, wait until every component is up
    python -m lab down                      stop it; no process or port is left behind
    python -m lab run [--fault NAME] -- CMD start, run CMD, always stop; exits with CMD's status. A lab that
                                            `up` started with the same faults is reused and left running
    python -m lab faults                    list the faults
    python -m lab build                     build the Go programs once (kube-apiserver + etcd, kwok, k9s)

(``serve`` is the background process ``up`` starts; it is not for direct use.)

``$FOCUS_LAB_STATE`` selects the run folder (default ``lab/.state``), so several labs can run side by side.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from lab.faults import check_known, fault_table
from lab.state import LabState, is_secret, state_dir_from_environment

REPO_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 15.0


def _alive(pid: int | None, state: LabState) -> bool:
    """Whether ``pid`` is this lab's running serve process; a reused pid belongs to someone else."""
    if pid is None:
        return False
    try:
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        zombie = "State:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return not zombie and b"serve" in command_line and str(state.folder).encode() in command_line


def _running(pid: int) -> bool:
    """Whether ``pid`` has not exited yet: an exiting process's cmdline is already empty before it is a zombie."""
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def up(state: LabState, faults: frozenset[str]) -> None:
    check_known(faults)
    if _alive(state.pid(), state):
        running = state.read_env().get("LAB_FAULTS", "") if state.env_file.exists() else "?"
        raise SystemExit(
            f"lab already running (pid {state.pid()}, faults: {running or 'none'}); run: python -m lab down"
        )
    shutil.rmtree(state.folder, ignore_errors=True)
    state.folder.mkdir(parents=True)
    command = [sys.executable, "-m", "lab", "serve", "--state-dir", str(state.folder)]
    command += [arg for fault in sorted(faults) for arg in ("--fault", fault)]
    started = time.monotonic()
    with state.log_file.open("w") as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    state.pid_file.write_text(str(process.pid))
    while not state.env_file.exists():
        if state.error_file.exists() or process.poll() is not None or time.monotonic() - started > START_TIMEOUT_S:
            down(state)
            detail = state.error_file.read_text() if state.error_file.exists() else state.log_file.read_text()
            raise SystemExit(f"lab failed to start:\n{detail.strip()}")
        time.sleep(0.05)
    print(f"lab up in {time.monotonic() - started:.1f} s (faults: {', '.join(sorted(faults)) or 'none'})")
    for key, value in state.read_env().items():
        if not is_secret(key):
            print(f"  {key}={value}")
    print(f"  secrets and all values: {state.env_file}")


def _running_with(state: LabState, faults: frozenset[str]) -> bool:
    """Whether this state folder's lab is up (its serve process alive, its values published) with exactly ``faults``."""
    if not (_alive(state.pid(), state) and state.env_file.exists()):
        return False
    return frozenset(filter(None, state.read_env().get("LAB_FAULTS", "").split(","))) == faults


def down(state: LabState) -> None:
    pid = state.pid()
    if _alive(pid, state):
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while _running(pid) and time.monotonic() < deadline:  # ours: _alive said so just before
            time.sleep(0.05)
        if _running(pid):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):  # not our child when an earlier `lab up` started it
            os.waitpid(pid, 0)
        print(f"lab down (pid {pid})")
    state.pid_file.unlink(missing_ok=True)
    state.env_file.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("up", "run", "serve"):
        sub = commands.add_parser(name)
        sub.add_argument("--fault", action="append", default=[], help="a fault from `python -m lab faults`")
    commands.choices["serve"].add_argument("--state-dir", type=Path, required=True)
    commands.choices["run"].add_argument("cmd", nargs=argparse.REMAINDER)
    commands.add_parser("down")
    commands.add_parser("faults")
    commands.add_parser(
        "build",
        help="build the Go programs (kube-apiserver with etcd, kube-controller-manager, kwok, k9s) once, cached",
    )
    args = parser.parse_args(argv)
    faults = frozenset(getattr(args, "fault", []))
    if args.command == "serve":
        from lab.daemon import serve

        return serve(args.state_dir, faults)
    if args.command == "build":
        from lab.go_binaries import BUILDS, build

        for name in BUILDS:
            print(f"{name}: {build(name)}")
        return 0
    if args.command == "faults":
        for name, fault in fault_table().items():
            print(f"{name:28} {fault['description']}")
        return 0
    state = LabState(state_dir_from_environment())
    if args.command == "up":
        up(state, faults)
    elif args.command == "down":
        down(state)
    elif args.command == "run":
        cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
        if _running_with(state, faults):
            # A warm run: the lab a `python -m lab up` started is its owner's to stop, not this run's.
            named = ", ".join(sorted(faults)) or "none"
            print(f"lab already up (pid {state.pid()}, faults: {named}): reused, left running")
            return subprocess.call(cmd)
        up(state, faults)
        try:
            return subprocess.call(cmd)
        finally:
            down(state)
    return 0


if __name__ == "__main__":
    sys.exit(main())
