"""Lab component ``host-programs``: the hosts' large programs started once, before the lab is up.

k9s (132 MB) and kubectl (about 50 MB) are Go programs. Where the page cache is small and the disk busy (CI runs
three labs and their suites at once), a first start reads them from disk: ``k9s version`` took 8.9 s here, where
it takes 0.1 s once cached, and PZ-13900 failed with "timed out after 5 s" (the spec's SSH timeout in automation)
with nothing wrong but a cold disk. A real host that runs them has them cached; this makes the lab's hosts as
ready. It starts beside MongoDB and Kubernetes, so the lab is rarely up later for it; a program that does not start
fails the lab's start, naming it.
"""

from __future__ import annotations

import subprocess

from lab.component import LabContext
from lab.ssh_hosts.sessions import build_toolbox, session_environment

#: Each program with arguments that start it and need nothing else (no cluster, no terminal).
PROGRAMS = {"k9s": ("version", "--short"), "kubectl": ("version", "--client")}
START_TIMEOUT_S = 60.0  # a hang bound: a cold start under load is seconds


class HostProgramsComponent:
    """Starts each of ``programs`` (``{name: arguments}``) that the hosts would run, once; publishes nothing."""

    name = "host-programs"

    def __init__(self, programs: dict[str, tuple[str, ...]] = PROGRAMS) -> None:
        self._programs = programs

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
        return {}

    def stop(self) -> None:
        """Nothing runs on after ``start``."""
