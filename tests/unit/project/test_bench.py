"""The benchmark's own pieces: suites it copies still run, the default-timeout environment drops only the
timeouts, and its table shows every scenario it measured."""

from __future__ import annotations

import yaml
from robot import run

from bench.scenarios import TIMEOUT_KEYS, _copied_suites, _environments_without_timeouts
from bench.table import render


def timing(name: str, median: float) -> dict:
    return {"name": name, "command": "x", "median": median, "mean": median, "stddev": 0.01, "minimum": median - 0.1,
            "maximum": median + 0.1, "runs": 8}  # fmt: skip


REPORT = {
    "machine": {
        "cpus": 2,
        "cpu": "Test CPU",
        "memory_gib": 24.0,
        "load_average_1m_at_start": 0.5,
        "python": "3.11",
        "robot_framework": "7.3",
        "hyperfine": "hyperfine 1.15.0",
    },  # fmt: skip
    "scenarios": {
        "healthy": {
            "runners": [timing("robot, sequential", 1.96), timing("pabot --processes 4", 3.95)],
            "main": [timing("./run.sh main", 6.1)],
            "phases": {
                "setup": [timing("set-up check (./run.sh setup)", 0.05)],
                "lab": [timing("lab up", 3.9), timing("lab down", 0.4)],
                "lab_component_start_seconds": "mongodb=0.19,kubernetes=3.70,ssh=0.13",
                "inside_robot": {
                    "median_seconds": {"wall": 1.9, "start_up_and_output": 0.4, "suite_overhead": 0.3, "checks": 1.2}
                },
                "diagnosis": [timing("diagnosis of a robot run", 0.2)],
            },
        },
        "dead": {"runs": [timing("black-holed, lab timeouts (5 s), robot", 6.2)]},
        "overhead": {
            "mongodb ping": {
                "raw_median_ms": 0.2,
                "keyword_median_ms": 0.4,
                "ratio": 2.0,
                "raw_loop_median_ms": 0.2,
                "latency_keyword_reported_median_ms": 0.21,
                "reported_ratio": 1.05,
            },  # fmt: skip
        },
        "memory": {
            "robot_sequential_peak_mib": 80.0,
            "pabot_4_largest_process_peak_mib": 79.0,
            "lab_peak_mib_by_process": {"kube-apiserver": 300.0},
            "lab_peak_total_mib": 420.0,
        },  # fmt: skip
        "scaling": {"runs": [timing("96 cases, robot", 20.5)]},
    },
}


def test_the_table_shows_every_scenario_with_medians_and_spreads():
    table = render(REPORT)
    assert "| robot, sequential | 1.96 s | 0.01 | 1.86 … 2.06 | 8 |" in table
    assert "| ./run.sh main | 6.10 s |" in table
    assert "the checks themselves 1.20 s" in table
    assert "| black-holed, lab timeouts (5 s), robot | 6.20 s |" in table
    assert "| mongodb latency keyword's reported median | 0.20 ms | 0.21 ms | 1.05× |" in table
    assert "lab: 420 MiB in all (kube-apiserver 300 MiB)" in table
    assert "| 96 cases, robot | 20.50 s |" in table


def test_the_default_timeout_environment_is_the_lab_without_its_timeouts(tmp_path):
    path = _environments_without_timeouts(tmp_path / "environments.yaml")
    lab = yaml.safe_load(path.read_text(encoding="utf-8"))["lab"]
    for section, keys in TIMEOUT_KEYS.items():
        assert not set(keys) & set(lab[section])
    assert lab["mongodb"]["host"] == "127.0.0.1"
    assert lab["env_file"] == "${FOCUS_LAB_STATE}/lab.env"


def test_copied_suites_hold_every_case_once_per_copy_and_parse(tmp_path):
    source = _copied_suites(tmp_path / "copies", 2)
    output = tmp_path / "out"
    code = run(source, dryrun=True, outputdir=str(output), output="output.xml", report=None, log=None, stdout=None)
    assert code == 0
    assert len(list((tmp_path / "copies").rglob("PZ-*.robot"))) == 12
