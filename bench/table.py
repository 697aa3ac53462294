"""``results/bench.json`` as the Markdown tables docs/performance.md shows."""

from __future__ import annotations

from bench.goals import evaluate, project_peer_floor


def _timings(rows: list[dict]) -> list[str]:
    lines = ["| command | median | ± stddev | min … max | runs |", "|---|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(
            f"| {row['name']} | {row['median']:.2f} s | {row['stddev']:.2f} | "
            f"{row['minimum']:.2f} … {row['maximum']:.2f} | {row['runs']} |"
        )
    return lines


def render(report: dict) -> str:
    machine = report["machine"]
    lines = [
        f"Machine: {machine['cpus']} CPUs ({machine['cpu']}), {machine['memory_gib']} GiB, load "
        f"{machine['load_average_1m_at_start']} at start; Python {machine['python']}, Robot Framework "
        f"{machine['robot_framework']}, {machine['hyperfine']}.",
    ]
    scenarios = report["scenarios"]
    if "healthy" in scenarios:
        healthy = scenarios["healthy"]
        phases = healthy["phases"]
        inside = phases["inside_robot"]["median_seconds"]
        lines += ["", "### Healthy lab, all six cases", "", *_timings(healthy["runners"] + healthy["main"])]
        lines += ["", "Where the time goes (medians):", "", *_timings(phases["setup"] + phases["lab"])]
        lines += [*_timings(phases["diagnosis"])[2:]]
        lines += [
            "",
            f"Inside a sequential robot run ({inside['wall']:.2f} s): start-up and output "
            f"{inside['start_up_and_output']:.2f} s, "
            f"suite overhead (library import, endpoint probe, set-ups) {inside['suite_overhead']:.2f} s, "
            f"the checks themselves {inside['checks']:.2f} s. Lab components started (s): "
            f"{phases['lab_component_start_seconds']}.",
        ]
    if "peer" in scenarios:
        lines += ["", *project_peer_floor_table(scenarios["peer"])]
    if "dead" in scenarios:
        lines += ["", "### Dead environment: time to the whole run's verdict", "", *_timings(scenarios["dead"]["runs"])]
    if "overhead" in scenarios:
        lines += ["", "### Keyword overhead (medians, same connection)", ""]
        lines += ["| call | raw client | keyword via Robot | ratio |", "|---|---:|---:|---:|"]
        for name, row in scenarios["overhead"].items():
            lines.append(
                f"| {name} | {row['raw_median_ms']:.2f} ms | {row['keyword_median_ms']:.2f} ms | {row['ratio']:.2f}× |"
            )
            if "reported_ratio" in row:
                lines.append(
                    f"| mongodb latency keyword's reported median | {row['raw_loop_median_ms']:.2f} ms | "
                    f"{row['latency_keyword_reported_median_ms']:.2f} ms | {row['reported_ratio']:.2f}× |"
                )
    if "memory" in scenarios:
        memory = scenarios["memory"]
        by_process = ", ".join(f"{name} {mib:.0f}" for name, mib in sorted(memory["lab_peak_mib_by_process"].items()))
        lines += [
            "",
            "### Memory (peak resident)",
            "",
            f"robot, sequential: {memory['robot_sequential_peak_mib']:.0f} MiB; largest pabot process (4 workers): "
            f"{memory['pabot_4_largest_process_peak_mib']:.0f} MiB; lab: {memory['lab_peak_total_mib']:.0f} MiB in all "
            f"({by_process} MiB).",
        ]
    if "latency" in scenarios:
        latency = scenarios["latency"]
        lines += ["", "### Distance: a round trip added in front of MongoDB, the Kubernetes API and the jump host", ""]
        for trip, rows in latency["round_trips"].items():
            lines += [f"Round trip {trip} (± {latency['one_way_jitter_share']:.0%} jitter each way):", ""]
            lines += [*_timings(rows), ""]
        fastest = ", ".join(f"{trip}: {runner}" for trip, runner in latency["fastest"].items())
        lines += [f"Fastest runner per round trip: {fastest}."]
    if "scaling" in scenarios:
        lines += [
            "",
            "### Scaling: copies of the six suites against one lab",
            "",
            *_timings(scenarios["scaling"]["runs"]),
        ]
    lines += ["", *goals_table(scenarios)]
    return "\n".join(lines)


def _seconds(value: float | None, digits: int = 2) -> str:
    return "not measured" if value is None else f"{value:.{digits}f} s"


def _ratio(value: float | None, base: float | None) -> str:
    return "not measured" if value is None or not base else f"{value / base:.2f}×"


def project_peer_floor_table(peer: dict) -> list[str]:
    """The three wall times of one hyperfine run, their ratios, each case's time, and where a run's time goes."""
    project, peer_wall, floor = project_peer_floor({"peer": peer})
    lines = ["### Project, peer and floor (one hyperfine run, healthy lab)", "", *_timings(peer["runs"]), ""]
    lines += ["| | project | peer | floor |", "|---|---:|---:|---:|"]
    lines.append(f"| wall time (median) | {_seconds(project)} | {_seconds(peer_wall)} | {_seconds(floor)} |")
    lines.append(f"| ÷ peer | {_ratio(project, peer_wall)} | 1.00× | {_ratio(floor, peer_wall)} |")
    lines.append(f"| ÷ floor | {_ratio(project, floor)} | {_ratio(peer_wall, floor)} | 1.00× |")
    lines.append(
        f"| − floor | {_seconds(None if project is None or floor is None else project - floor)} | "
        f"{_seconds(None if peer_wall is None or floor is None else peer_wall - floor)} | 0.00 s |"
    )
    runs = {name: peer.get(name, {}) for name in ("project", "peer", "floor")}
    keys = list(dict.fromkeys([*runs["project"].get("case_seconds", {}), *runs["peer"].get("case_seconds", {})]))
    lines += ["", "| case (last timed run) | project test | peer test | floor |", "|---|---:|---:|---:|"]
    for key in keys:
        row = [_seconds(runs[name].get("case_seconds", {}).get(key), 3) for name in runs]
        lines.append(f"| {key} | {' | '.join(row)} |")
    for name, wall in (("project", project), ("peer", peer_wall)):
        split = runs[name]
        if wall is None or "suite_seconds" not in split:
            continue
        lines.append(
            f"\n{name.capitalize()}'s run ({wall:.2f} s): start-up and output "
            f"{wall - split['suite_seconds']:.2f} s, suite overhead (library import, set-ups, teardowns) "
            f"{split['suite_seconds'] - split['tests_seconds']:.2f} s, the tests {split['tests_seconds']:.2f} s."
        )
    return lines


def goals_table(scenarios: dict) -> list[str]:
    """Issue 22's goals, each with what this run measured and "met?" (``not measured`` when it was not)."""
    lines = ["### Goals (issue 22)", "", "| goal | measured | met? |", "|---|---|---|"]
    lines += [f"| {goal.goal} | {goal.measured} | {goal.verdict} |" for goal in evaluate(scenarios)]
    return lines
