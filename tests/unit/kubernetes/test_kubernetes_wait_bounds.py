"""How the library bounds a wait's API calls and which failed calls a wait polls through (a fake connection, no
cluster: the loop itself is tested in test_kubernetes_waiting.py, the keywords against the lab)."""

from __future__ import annotations

import time

import pytest
from kubernetes import client as k8s

from keywords.kubernetes.failures import ApiCallFailed
from keywords.kubernetes.library import MIN_REQUEST_TIMEOUT_S, KubernetesConnection, KubernetesLibrary
from keywords.kubernetes.waiting import TimedOut
from tests.helpers import failure_of

SETTINGS = {"request_timeout_s": 5.0, "wait_timeout_s": 120.0, "wait_poll_s": 2.0, "namespace": "panda"}


@pytest.fixture
def library() -> KubernetesLibrary:
    library = KubernetesLibrary("lab")
    configuration = k8s.Configuration()
    configuration.host = "https://127.0.0.1:6443"
    library._connections.register(KubernetesConnection(dict(SETTINGS), k8s.ApiClient(configuration)), "default")
    yield library
    library.close_all_kubernetes_connections()


@pytest.mark.parametrize(
    ("status", "transient"), [(None, True), (404, True), (503, True), (401, False), (403, False), (0, False)]
)
def test_a_wait_polls_through_what_may_answer_later_and_stops_at_a_refusal(status, transient):
    assert ApiCallFailed("Kubernetes API x: get y failed: z", status).transient is transient


def test_a_calls_timeout_is_the_request_timeout_until_a_waits_deadline_is_nearer(library):
    connection = library._connection()
    assert library._request_timeout(connection) == (5.0, "request_timeout_s")
    with library._bounded_by(time.monotonic() + 60):
        assert library._request_timeout(connection) == (5.0, "request_timeout_s")
    with library._bounded_by(time.monotonic() + 1):
        seconds, bound = library._request_timeout(connection)
        assert 0.5 < seconds <= 1 and bound == "the wait's deadline"
    with library._bounded_by(time.monotonic() - 1):
        assert library._request_timeout(connection) == (MIN_REQUEST_TIMEOUT_S, "the wait's deadline")
    assert library._deadline is None  # only while waiting


def test_wait_times_come_from_the_arguments_else_from_the_environment(library):
    assert library._wait_times(None, None) == (120.0, 2.0)
    assert library._wait_times("30 s", "500 ms") == (30.0, 0.5)
    assert "timeout must be a Robot time string" in failure_of(lambda: library._wait_times("soon", None), ValueError)


def test_a_transient_api_failure_is_polled_through_and_named_when_the_wait_ends(library):
    calls = []

    def check() -> None:
        calls.append(library._deadline)
        raise ApiCallFailed("Kubernetes API https://k: get Deployment panda/x failed: not found (404): gone", 404)

    message = failure_of(
        lambda: library._within(check, "Kubernetes API https://k: x still not there", 0.3, 0.1), TimedOut
    )
    assert message == (
        "Kubernetes API https://k: x still not there after 0.3 s: get Deployment panda/x failed: not found (404): gone"
    )
    assert len(calls) >= 2 and all(deadline is not None for deadline in calls)


def test_a_refused_api_call_ends_the_wait_at_once(library):
    calls = []

    def check() -> None:
        calls.append(1)
        raise ApiCallFailed("Kubernetes API https://k: get Secret panda/x failed: forbidden (403)", 403)

    assert failure_of(lambda: library._within(check, "x", 30, 1), ApiCallFailed).endswith("forbidden (403)")
    assert calls == [1]
