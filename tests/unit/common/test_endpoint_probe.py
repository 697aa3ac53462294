"""The probe at the start of a run asks every endpoint at the same time, so a dead environment costs one timeout,
not one per layer (a fake first answer that waits for the others; the real endpoints: tests/acceptance)."""

from __future__ import annotations

import re
import threading

import pytest

from keywords.common import endpoint_findings, endpoint_probe
from keywords.common.endpoint_probe import Endpoint, probe
from keywords.common.first_answer import Answer

TIMEOUT_S = 5.0
#: A hang bound: asked one after another, the barrier below breaks after this long instead of waiting forever.
HANG_BOUND_S = 3 * TIMEOUT_S


def test_the_probe_asks_every_endpoint_at_the_same_time(monkeypatch):
    # Three black-holed layers cost one timeout, not three, because they are waited for together: each answer
    # here waits for the other two to be asked. Asked one after another, the barrier breaks (a hang bound).
    endpoints = [
        Endpoint(name, "127.0.0.1", port, protocol, TIMEOUT_S, setting)
        for name, port, protocol, setting in (
            ("MongoDB", 1001, "mongodb", "mongodb.connect_timeout_ms"),
            ("Kubernetes API", 1002, "tls", "kubernetes.request_timeout_s"),
            ("SSH jump host", 1003, "ssh", "ssh.timeout_s"),
        )
    ]
    together = threading.Barrier(len(endpoints), timeout=HANG_BOUND_S)

    def silent_once_all_are_asked(protocol, host, port, timeout_s, tls=False):
        together.wait()
        cause = f"accepted the TCP connection, then sent nothing within {timeout_s:g} s"
        return Answer(f"{host}:{port}", False, timeout_s, cause=cause, silent=True)

    monkeypatch.setattr(endpoint_probe, "first_answer", silent_once_all_are_asked)
    endpoint_findings.forget_all()
    try:
        targets = [answer.target for _, answer in probe(endpoints)]
        assert targets == ["127.0.0.1:1001", "127.0.0.1:1002", "127.0.0.1:1003"]
        for target in targets:  # each recorded: its cases will fail on the finding instead of waiting
            assert "(blocked: the probe at the start of the run found" in endpoint_findings.blocked_cause(target)
    finally:
        endpoint_findings.forget_all()


def test_a_check_fails_at_once_with_its_layers_message_on_an_endpoint_found_not_answering():
    endpoint_findings.forget_all()
    try:
        endpoint_findings.fail_if_found_not_answering("127.0.0.1:1001", "MongoDB network failure at 127.0.0.1:1001")
        endpoint_findings.record_not_answering("127.0.0.1:1001", "no answer within 5 s", found_by="PZ-13806")
        with pytest.raises(AssertionError) as failure:
            endpoint_findings.fail_if_found_not_answering("127.0.0.1:1001", "MongoDB network failure at 127.0.0.1:1001")
        assert re.fullmatch(
            r"MongoDB network failure at 127\.0\.0\.1:1001: not answering: no answer within 5 s \(blocked: PZ-13806 "
            r"found 127\.0\.0\.1:1001 not answering at \d\d:\d\d:\d\d; not waited for again\)",
            str(failure.value),
        )
        endpoint_findings.fail_if_found_not_answering("127.0.0.1:1002", "another endpoint: nothing known")
    finally:
        endpoint_findings.forget_all()
