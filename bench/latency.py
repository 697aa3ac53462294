"""Numbers at a realistic distance: the lab behind toxiproxy, a latency each way in front of MongoDB, the Kubernetes
API and the jump host (loopback hides the network; a real environment is some milliseconds away).

toxiproxy v2 is built from its Go module by ``lab/go_tools/build.sh`` (``python -m lab build``). The suite meets the
proxies as it meets any environment: through a copy of the lab's published values whose MongoDB port, API URL and
jump host port are the proxies', and a known_hosts that also names the jump host's key at the proxy's port (the host
key check rightly refuses the proxy's port otherwise). The target host is reached through the jump host, so its
traffic crosses the jump host's proxy too.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from bench.hyperfine import REPO_ROOT, time_commands
from bench.lab_session import lab_up, published
from bench.scenarios import pabot_command, robot_command
from lab.ports import ReservedPort

JITTER_SHARE = 0.2  # ±2 ms at 10 ms each way, as the issue measured by hand
START_TIMEOUT_S = 10.0


def toxiproxy_binary() -> Path:
    """The toxiproxy server, built by the lab's Go tools script if it is not yet (the lab is a process here)."""
    script = REPO_ROOT / "lab" / "go_tools" / "build.sh"
    done = subprocess.run(
        ["bash", str(script), "--print-path", "toxiproxy"], capture_output=True, text=True, check=True
    )
    return Path(done.stdout.strip().splitlines()[-1])


class Toxiproxy:
    """A toxiproxy server on 127.0.0.1 and its HTTP API."""

    def __init__(self, log: Path) -> None:
        self._ports = [ReservedPort()]  # the API's and each proxy's, held until the server stops
        self.api = f"http://127.0.0.1:{self._ports[0].port}"
        port = urlsplit(self.api).port
        with log.open("wb") as output:
            self._process = subprocess.Popen(
                [str(toxiproxy_binary()), "-host", "127.0.0.1", "-port", str(port)],
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait_ready(log)
        except BaseException:  # whatever stops the start (an answer that is not JSON too), no server is left behind
            self.stop()
            raise

    def _wait_ready(self, log: Path) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                self._request("GET", "/proxies")
                return
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"toxiproxy did not start; see {log}") from None
                time.sleep(0.05)

    def proxy(self, name: str, upstream: str, one_way_ms: float) -> int:
        """A proxy to ``upstream`` (``host:port``) adding ``one_way_ms`` (± its jitter) each way; its port."""
        self._ports.append(ReservedPort())
        port = self._ports[-1].port
        self._request("POST", "/proxies", {"name": name, "listen": f"127.0.0.1:{port}", "upstream": upstream})
        if one_way_ms:
            for stream in ("upstream", "downstream"):
                attributes = {"latency": int(one_way_ms), "jitter": int(one_way_ms * JITTER_SHARE)}
                toxic = {"name": f"{name}-{stream}", "type": "latency", "stream": stream, "attributes": attributes}
                self._request("POST", f"/proxies/{name}/toxics", toxic)
        return port

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for reserved in self._ports:
            reserved.close()

    def _request(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.api + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=5) as answer:
            return json.loads(answer.read() or b"{}")


@contextlib.contextmanager
def behind_latency(lab_state: Path, work: Path, round_trip_ms: float) -> Iterator[dict[str, str]]:
    """Environment variables pointing the suite at the lab in ``lab_state`` through proxies adding half of
    ``round_trip_ms`` each way (0: the proxies alone, so every round trip pays the same hop)."""
    values = published(lab_state)
    work.mkdir(parents=True, exist_ok=True)
    proxy = Toxiproxy(work / "toxiproxy.log")
    try:
        one_way = round_trip_ms / 2
        api = urlsplit(values["LAB_K8S_API"])
        mongo = proxy.proxy("mongodb", f"127.0.0.1:{values['LAB_MONGO_PORT']}", one_way)
        kubernetes = proxy.proxy("kubernetes", f"{api.hostname}:{api.port}", one_way)
        jump = proxy.proxy("jump-host", f"{values['LAB_SSH_JUMP_HOST']}:{values['LAB_SSH_JUMP_PORT']}", one_way)
        known_hosts = work / "known_hosts"
        known_hosts.write_text(_with_proxy_port(Path(values["LAB_SSH_KNOWN_HOSTS"]).read_text(), values, jump))
        # The Focus Server's own configuration names the MongoDB it uses: the proxy's, as its operators would write.
        config = lab_state / "focus-server" / "environments.yaml"
        (work / "focus-server").mkdir(exist_ok=True)
        (work / "focus-server" / "environments.yaml").write_text(
            config.read_text(encoding="utf-8").replace(f"port: {values['LAB_MONGO_PORT']}\n", f"port: {mongo}\n"),
            encoding="utf-8",
        )
        moved = {
            "LAB_STATE": str(work),
            "LAB_MONGO_PORT": str(mongo),
            "LAB_K8S_API": f"https://{api.hostname}:{kubernetes}",
            "LAB_SSH_JUMP_PORT": str(jump),
            "LAB_SSH_KNOWN_HOSTS": str(known_hosts),
        }
        lines = (lab_state / "lab.env").read_text(encoding="utf-8").splitlines()
        rewritten = [_moved(line, moved) for line in lines]
        (work / "lab.env").touch(mode=0o600)  # it holds the lab's secrets, as the original does
        (work / "lab.env").write_text("\n".join(rewritten) + "\n", encoding="utf-8")
        yield {"FOCUS_LAB_STATE": str(work)}
    finally:
        proxy.stop()


def _moved(line: str, moved: dict[str, str]) -> str:
    name = line.split("=", 1)[0]
    return f"{name}={moved[name]}" if name in moved else line


def _with_proxy_port(known_hosts: str, values: dict[str, str], port: int) -> str:
    """known_hosts plus the jump host's key at the proxy's port: the same host, met at another port."""
    jump = f"[{values['LAB_SSH_JUMP_HOST']}]:{values['LAB_SSH_JUMP_PORT']} "
    keys = [line[len(jump) :] for line in known_hosts.splitlines() if line.startswith(jump)]
    return known_hosts + "".join(f"[{values['LAB_SSH_JUMP_HOST']}]:{port} {key}\n" for key in keys)


#: The round trips the benchmark adds (0: through the proxies without latency), and the runners it compares there.
ROUND_TRIPS_MS = (0, 20, 100)
FAILS_FROM_MS = 100  # the 100 ms thresholds of PZ-13808 (ping) and PZ-13898 (find_one) fail from here


def latency(work: Path, runs: int) -> dict:
    """The six cases by sequential robot, pabot 4 and pabot 6, with each round trip of ``ROUND_TRIPS_MS`` added in
    front of every endpoint; which runner is fastest at each distance, and so where the default should be."""
    rows = {}
    with lab_up(work / "lab"):
        for round_trip in ROUND_TRIPS_MS:
            with behind_latency(work / "lab", work / f"proxied-{round_trip}", round_trip) as env:
                timings = time_commands(
                    {
                        "robot, sequential": robot_command(work / f"robot-{round_trip}"),
                        "pabot --processes 4": pabot_command(work / f"pabot4-{round_trip}", 4),
                        "pabot --processes 6 (one per suite)": pabot_command(work / f"pabot6-{round_trip}", 6),
                    },
                    runs,
                    env=env,
                    # Far enough away the latency checks rightly fail (PZ-13808, PZ-13898): timed all the same.
                    failing=round_trip >= FAILS_FROM_MS,
                )
            rows[f"{round_trip} ms"] = [timing.as_dict() for timing in timings]
    return {"one_way_jitter_share": JITTER_SHARE, "round_trips": rows, "fastest": fastest_runners(rows)}


def fastest_runners(rows: dict[str, list[dict]]) -> dict[str, str]:
    """``{round trip: the runner with the lowest median}``."""
    return {trip: min(timings, key=lambda timing: timing["median"])["name"] for trip, timings in rows.items()}
