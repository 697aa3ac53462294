"""``results/bench.json`` as the Markdown tables docs/performance.md shows."""

from __future__ import annotations


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
    if "scaling" in scenarios:
        lines += [
            "",
            "### Scaling: copies of the six suites against one lab",
            "",
            *_timings(scenarios["scaling"]["runs"]),
        ]
    return "\n".join(lines)
