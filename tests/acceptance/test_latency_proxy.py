"""The benchmark's latency proxy (toxiproxy, bench/latency.py) puts real distance between the suite and the lab: the
suite meets the proxies as any environment, every case passes through them, and a distance that breaks a threshold
fails exactly the case that has it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bench.latency import behind_latency
from lab.go_binaries import cached, go_available
from tests.helpers import lab_running

pytestmark = pytest.mark.skipif(not (go_available() or cached("toxiproxy")), reason="toxiproxy needs Go to build")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with lab_running(tmp_path_factory.mktemp("latency")) as running:
        yield running


def state_of(lab) -> Path:
    return Path(lab.env["FOCUS_LAB_STATE"])


def test_every_case_passes_through_the_proxies_whose_ports_and_host_key_line_the_suite_meets(lab, tmp_path):
    with behind_latency(state_of(lab), tmp_path / "proxied", 0) as env:
        run = dataclasses.replace(lab, env={**lab.env, **env}).run_suites(tmp_path / "results")
    assert run.failing() == set(), run.console
    assert len(run.passing()) == 6


def test_a_round_trip_of_300_ms_fails_only_the_ping_threshold_of_pz_13808(lab, tmp_path):
    with behind_latency(state_of(lab), tmp_path / "proxied", 300) as env:
        run = dataclasses.replace(lab, env={**lab.env, **env}).run_suites(tmp_path / "results", "--include", "PZ-13808")
    assert run.failing() == {"PZ-13808"}, run.console
    assert "ms" in run.verdicts["PZ-13808"].message
