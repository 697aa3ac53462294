"""What a lab host runs: each exec request is a real ``/bin/sh -c`` with the host's tools on PATH."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from pathlib import Path

import asyncssh

from lab.go_binaries import BUILDS, cached

STAND_INS = Path(__file__).resolve().parent / "bin"
K9S_CONFIG = Path(__file__).resolve().parent.parent / "go_tools" / "k9s" / "config.yaml"
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
COMMAND_TIMEOUT_S = 30.0


def tool_source(tool: str) -> Path | None:
    """Where ``tool`` comes from: a real program built from Go modules (k9s, once `python -m lab build` ran), the
    real kubectl next to this Python, or else a lab stand-in script (labelled as such in its output)."""
    built = cached(tool) if tool in BUILDS else None
    if built:
        return built
    if (STAND_INS / tool).is_file():
        return STAND_INS / tool
    beside_python = Path(sys.executable).parent / tool
    if beside_python.is_file():
        return beside_python
    found = shutil.which(tool)
    return Path(found) if found else None


def build_toolbox(folder: Path, tools: tuple[str, ...]) -> Path:
    """A folder of symlinks to ``tools``, put first on the host's PATH; a tool not found is simply absent."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.iterdir():  # an earlier run, perhaps with other faults, may have left other tools
        stale.unlink()
    for tool in tools:
        source = tool_source(tool)
        if source:
            (folder / tool).symlink_to(source)
    return folder


def session_environment(
    toolbox: Path, home: Path, hostname: str, kubeconfig: str | None, account: str | None = None
) -> dict[str, str]:
    """The environment of every command on a host, except the login name (set per session).

    ``account``: the account sessions stand for whatever login authenticated (``LAB_SSH_ACCOUNT``, which the
    ``whoami`` stand-in answers); ``None``, the login name, as on a healthy host.
    """
    home.mkdir(parents=True, exist_ok=True)
    environment = {
        "PATH": f"{toolbox}:{SYSTEM_PATH}",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LAB_SSH_HOSTNAME": hostname,
    }
    if kubeconfig:
        environment["KUBECONFIG"] = kubeconfig
    if account:
        environment["LAB_SSH_ACCOUNT"] = account
    # The real k9s reads its config here: no release check against api.github.com, logs inside the lab.
    k9s_config = home / ".config" / "k9s"
    k9s_config.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(K9S_CONFIG, k9s_config / "config.yaml")
    environment |= {"K9S_CONFIG_DIR": str(k9s_config), "K9S_LOGS_DIR": str(home / ".local" / "state" / "k9s")}
    return environment


async def run_command(process: asyncssh.SSHServerProcess, environment: dict[str, str]) -> None:
    """Run the requested command and hand back its output and exit status; shells are not offered."""
    if process.command is None:
        process.stderr.write(b"lab host: interactive shells are not offered; run a command\n")
        process.exit(1)
        return
    child = await asyncio.create_subprocess_exec(
        "/bin/sh",
        "-c",
        process.command,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**environment, "LAB_SSH_USER": process.get_extra_info("username")},
        cwd=environment["HOME"],
        start_new_session=True,  # its own process group, so a kill reaches the command's children too
    )
    try:
        stdout, stderr = await asyncio.wait_for(child.communicate(), COMMAND_TIMEOUT_S)
    except TimeoutError:
        stdout, stderr = b"", f"lab host: command timed out after {COMMAND_TIMEOUT_S:g} s\n".encode()
    finally:
        if child.returncode is None:  # timed out, or the lab is stopping: leave no process behind
            os.killpg(child.pid, signal.SIGKILL)
            await child.wait()
    process.stdout.write(stdout)
    process.stderr.write(stderr)
    status = child.returncode
    process.exit(status if status >= 0 else 128 - status)
