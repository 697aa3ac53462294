"""The goals of issue 22, evaluated on one ``results/bench.json``: each goal says what was measured and whether it
was met, or "not measured" when the run did not measure its input (never a number from elsewhere)."""

from __future__ import annotations

import re
from dataclasses import dataclass

PROJECT = "project: robot, sequential"
PEER = "peer: robot"
FLOOR = "floor: python"
MAX_PEER_RATIO = 0.7
MAX_SECONDS_ABOVE_FLOOR = 1.5
MAX_PZ_13899_SECONDS = 0.15
MAX_MAIN_RATIO = 2.0
MAX_RUNNING_ENVIRONMENT_RATIO = 1.2
#: The main run the two main goals read: the lab already up, so main starts nothing.
WARM_MAIN = "./run.sh main, warm (the lab already up)"
MAX_REFUSED_SECONDS = 3.0
BLACK_HOLED_SLACK_SECONDS = 3.0


@dataclass(frozen=True)
class Goal:
    """One goal: ``met`` is True or False, or None when its input was not measured in this run."""

    goal: str
    measured: str
    met: bool | None

    @property
    def verdict(self) -> str:
        return {True: "yes", False: "no", None: "not measured"}[self.met]


def median_of(rows: list[dict], prefix: str) -> float | None:
    """The median of the first timed command whose name starts with ``prefix``, or None."""
    return next((row["median"] for row in rows if row["name"].startswith(prefix)), None)


def project_peer_floor(scenarios: dict) -> tuple[float | None, float | None, float | None]:
    rows = scenarios.get("peer", {}).get("runs", [])
    return median_of(rows, PROJECT), median_of(rows, PEER), median_of(rows, FLOOR)


def evaluate(scenarios: dict) -> list[Goal]:
    project, peer, floor = project_peer_floor(scenarios)
    goals = [_peer_ratio(project, peer), _above_floor(project, floor), _pz_13899(scenarios)]
    goals += [_main(scenarios), _running_environment(scenarios), *_dead(scenarios)]
    return goals


def _peer_ratio(project: float | None, peer: float | None) -> Goal:
    goal = f"sequential robot, healthy ≤ {MAX_PEER_RATIO}× the peer"
    if project is None or peer is None:
        return Goal(goal, "not measured", None)
    ratio = project / peer
    return Goal(goal, f"{project:.2f} s vs {peer:.2f} s: {ratio:.2f}×", ratio <= MAX_PEER_RATIO)


def _above_floor(project: float | None, floor: float | None) -> Goal:
    goal = f"sequential robot, healthy, within {MAX_SECONDS_ABOVE_FLOOR} s of the floor"
    if project is None or floor is None:
        return Goal(goal, "not measured", None)
    above = project - floor
    return Goal(goal, f"{project:.2f} s − {floor:.2f} s = {above:.2f} s", above <= MAX_SECONDS_ABOVE_FLOOR)


def _pz_13899(scenarios: dict) -> Goal:
    goal = f"PZ-13899 test time ≤ {MAX_PZ_13899_SECONDS} s"
    seconds = scenarios.get("peer", {}).get("project", {}).get("case_seconds", {}).get("PZ-13899")
    if seconds is None:
        return Goal(goal, "not measured", None)
    return Goal(goal, f"{seconds:.3f} s (the project's last timed run, output.xml)", seconds <= MAX_PZ_13899_SECONDS)


def _main(scenarios: dict) -> Goal:
    return _main_ratio(scenarios, f"warm ./run.sh main, real control plane, ≤ {MAX_MAIN_RATIO}× sequential robot")


def _running_environment(scenarios: dict) -> Goal:
    # The lab that is already up is a running environment to main: it starts nothing, `lab run` only checks it.
    goal = f"./run.sh main against a running environment ≤ {MAX_RUNNING_ENVIRONMENT_RATIO}× sequential robot"
    return _main_ratio(scenarios, goal, MAX_RUNNING_ENVIRONMENT_RATIO)


def _main_ratio(scenarios: dict, goal: str, limit: float = MAX_MAIN_RATIO) -> Goal:
    healthy = scenarios.get("healthy", {})
    main = median_of(healthy.get("main", []), WARM_MAIN)
    robot = median_of(healthy.get("runners", []), "robot, sequential")
    if main is None or robot is None:
        return Goal(goal, "not measured", None)
    ratio = main / robot
    return Goal(goal, f"{main:.2f} s vs {robot:.2f} s: {ratio:.2f}×", ratio <= limit)


def _dead(scenarios: dict) -> list[Goal]:
    # The default runner's (./run.sh main runs one robot process); pabot's rows are shown, not gated on.
    rows = [row for row in scenarios.get("dead", {}).get("runs", []) if row["name"].endswith(", robot")]
    refused = [row for row in rows if row["name"].startswith("refused")]
    black_holed = [row for row in rows if row["name"].startswith("black-holed")]
    goals = []
    goal = f"refused everywhere: verdict ≤ {MAX_REFUSED_SECONDS:.0f} s (robot, the default runner)"
    if refused:
        worst = max(refused, key=lambda row: row["median"])
        measured = f"at most {worst['median']:.2f} s ({worst['name']})"
        goals.append(Goal(goal, measured, worst["median"] <= MAX_REFUSED_SECONDS))
    else:
        goals.append(Goal(goal, "not measured", None))
    goal = f"black-holed everywhere: verdict ≤ timeout + {BLACK_HOLED_SLACK_SECONDS:.0f} s (robot, the default runner)"
    if black_holed:
        over = {row["name"]: row["median"] - _timeout_of(row["name"]) for row in black_holed}
        worst_name = max(over, key=over.__getitem__)
        measured = f"at most timeout + {over[worst_name]:.2f} s ({worst_name})"
        goals.append(Goal(goal, measured, over[worst_name] <= BLACK_HOLED_SLACK_SECONDS))
    else:
        goals.append(Goal(goal, "not measured", None))
    return goals


def _timeout_of(name: str) -> float:
    """The timeout a dead-environment command's name states: ``black-holed, lab timeouts (5 s), robot`` is 5."""
    match = re.search(r"\((\d+(?:\.\d+)?) s\)", name)
    if not match:
        raise ValueError(f"no timeout in {name!r}")
    return float(match.group(1))
