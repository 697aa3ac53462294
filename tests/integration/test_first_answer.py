"""What each lab endpoint says first, and how a silent or closed port is told apart, with real servers."""

from __future__ import annotations

import time

import pytest

from keywords.common.first_answer import first_answer
from lab.kube_api.component import KubeApiComponent
from lab.mongo import MongoComponent
from lab.ports import ClosedPort, SilentListener
from lab.ssh_hosts.component import SshHostsComponent
from tests.helpers import running_lab

#: Generous: 3x the longest timeout given to first_answer here (5 s). Timing is measured in bench/, not here.
HANG_BOUND_S = 15.0


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    components = [MongoComponent(), KubeApiComponent(), SshHostsComponent()]
    with running_lab(tmp_path_factory.mktemp("first-answer"), components) as published:
        yield published


def test_mongodb_answers_hello_without_credentials(lab):
    answer = first_answer("mongodb", "127.0.0.1", int(lab["LAB_MONGO_PORT"]), 5)
    assert answer.answered and not answer.silent
    assert answer.evidence.startswith("hello: maxWireVersion ")


def test_ssh_jump_host_answers_with_its_banner(lab):
    answer = first_answer("ssh", "127.0.0.1", int(lab["LAB_SSH_JUMP_PORT"]), 5)
    assert answer.answered
    assert answer.evidence.startswith("banner 'SSH-2.0-")


def test_kubernetes_api_answers_the_tls_handshake(lab):
    port = int(lab["LAB_K8S_API"].rsplit(":", 1)[1])
    answer = first_answer("tls", "127.0.0.1", port, 5)
    assert answer.answered
    assert answer.evidence.startswith("TLS handshake (TLS")


def test_a_server_of_another_protocol_still_answered(lab):
    answer = first_answer("mongodb", "127.0.0.1", int(lab["LAB_SSH_JUMP_PORT"]), 2)
    assert answer.answered and not answer.silent  # it spoke, though not MongoDB: not a black hole
    assert answer.evidence.startswith("answered, but: ")


@pytest.mark.parametrize("protocol", ["ssh", "tls", "mongodb"])
def test_a_silent_listener_is_not_answering_once_its_timeout_has_passed(protocol):
    listener = SilentListener()
    try:
        started = time.monotonic()
        answer = first_answer(protocol, "127.0.0.1", listener.port, 0.5)
        waited = time.monotonic() - started
    finally:
        listener.close()
    assert (answer.answered, answer.silent) == (False, True)
    assert answer.cause == "accepted the TCP connection, then sent nothing within 0.5 s"
    assert waited >= 0.45  # it waited the timeout before calling the port silent (load only makes this longer)
    assert waited < HANG_BOUND_S  # a hang bound, not a measurement: the one timeout is measured in bench/


def test_a_closed_port_is_refused_not_silent():
    started = time.monotonic()
    with ClosedPort() as closed:
        answer = first_answer("mongodb", "127.0.0.1", closed.port, 5)
    # Refused, not "sent nothing within 5 s": the timeout was not waited for.
    assert (answer.answered, answer.silent, answer.cause) == (False, False, "connection refused")
    assert time.monotonic() - started < HANG_BOUND_S  # a hang bound, not a measurement


def test_an_unknown_protocol_is_misuse():
    with pytest.raises(ValueError, match="unknown protocol 'http': use tcp, ssh, tls, mongodb"):
        first_answer("http", "127.0.0.1", 1, 1)
