"""The latency benchmark's pure parts: the lab's values moved to the proxies, and the fastest runner per distance."""

from __future__ import annotations

from bench.latency import _moved, _with_proxy_port, fastest_runners

VALUES = {"LAB_SSH_JUMP_HOST": "127.0.0.1", "LAB_SSH_JUMP_PORT": "2222"}


def test_the_jump_hosts_key_is_also_known_at_the_proxys_port_and_nothing_else_changes():
    known = "[127.0.0.1]:2222 ssh-ed25519 AAAAjump\ntarget.lab ssh-ed25519 AAAAtarget\n"
    assert _with_proxy_port(known, VALUES, 4000) == known + "[127.0.0.1]:4000 ssh-ed25519 AAAAjump\n"


def test_a_jump_host_missing_from_known_hosts_gains_no_line_so_the_host_key_check_still_refuses():
    known = "[127.0.0.1]:2999 ssh-ed25519 AAAAother\n"
    assert _with_proxy_port(known, VALUES, 4000) == known


def test_only_the_moved_values_are_rewritten():
    moved = {"LAB_MONGO_PORT": "4001"}
    assert _moved("LAB_MONGO_PORT=27017", moved) == "LAB_MONGO_PORT=4001"
    assert _moved("LAB_MONGO_PASSWORD='x=y'", moved) == "LAB_MONGO_PASSWORD='x=y'"
    assert _moved("LAB_MONGO_PORTS=1", moved) == "LAB_MONGO_PORTS=1"


def test_the_fastest_runner_is_the_lowest_median_at_each_round_trip():
    rows = {
        "0 ms": [{"name": "robot", "median": 2.8}, {"name": "pabot 4", "median": 4.2}],
        "100 ms": [{"name": "robot", "median": 9.1}, {"name": "pabot 4", "median": 6.0}],
    }
    assert fastest_runners(rows) == {"0 ms": "robot", "100 ms": "pabot 4"}
