"""Lab component ``host-programs``: the hosts' large programs started once and kept in memory while the lab runs.

k9s (132 MB) and kubectl (about 50 MB) are Go programs. On the CI machines a page nobody touched for about a
minute may be paged out (DAMON's ``pageout``, see :mod:`lab.resident_file`), and reading it back from their busy disk
took seconds: ``k9s version`` took 8.9 s where it takes 0.1 s in memory, and PZ-13900 failed with "timed out after
5 s" (the spec's SSH timeout in automation) with nothing wrong but the disk. A real host that runs them has them in
memory; this makes the lab's hosts as ready. It starts beside MongoDB and Kubernetes; a program that does not start
fails the lab's start, naming it. Where its pages cannot be locked (no root), the lab says so in its log and goes on.
"""

from __future__ import annotations

import subprocess
import sys

from lab.component import LabContext
from lab.resident_file import ResidentFile
from lab.ssh_hosts.sessions import build_toolbox, session_environment

#: Each program with arguments that start it and need nothing else (no cluster, no terminal).
PROGRAMS = {"k9s": ("version",), "kubectl": ("version", "--client")}
START_TIMEOUT_S = 60.0  # a hang bound: a cold start under load is seconds


class HostProgramsComponent:
    """Starts each of ``programs`` (``{name: arguments}``) that the hosts would run, once, and holds its file in
    memory until the lab stops; publishes nothing."""

    name = "host-programs"

    def __init__(self, programs: dict[str, tuple[str, ...]] = PROGRAMS) -> None:
        self._programs = programs
        self._resident: list[ResidentFile] = []

    def start(self, context: LabContext) -> dict[str, str]:
        folder = context.state_dir / self.name
        toolbox = build_toolbox(folder / "bin", tuple(self._programs))
        environment = session_environment(toolbox, folder / "home", "host-programs", kubeconfig=None)
        for program, arguments in self._programs.items():
            if not (toolbox / program).exists():  # a host without it: its checks say so, not the lab
                continue
            done = subprocess.run(
                [str(toolbox / program), *arguments],
                env=environment,
                cwd=folder,
                capture_output=True,
                text=True,
                timeout=START_TIMEOUT_S,
                check=False,
            )
            if done.returncode != 0:
                raise RuntimeError(f"{program} {' '.join(arguments)} exited with {done.returncode}: {done.stderr}")
            try:
                self._resident.append(ResidentFile((toolbox / program).resolve()))
            except OSError as error:
                print(f"lab: {program} is not held in memory ({error}); a first run may be slow", file=sys.stderr)
        return {}

    def stop(self) -> None:
        for resident in self._resident:
            resident.close()
        self._resident.clear()
