"""Channel-open refusals (RFC 4254 section 5.1): each reason code its own cause; a forwarding policy is never a
target that is down, and a TCP check that was never tried never says "not connected"."""

from __future__ import annotations

import pytest

from keywords.ssh.failures import ChannelRefusal, ordinal_role, refusal_cause, tcp_check_refused

HOP = "jump host root@10.10.100.3:22"
TARGET = "10.10.100.113:22"


def test_administratively_prohibited_names_the_forwarding_policy_and_never_the_target_down():
    cause = refusal_cause(ChannelRefusal(1, "open failed"), HOP, TARGET)

    assert cause.startswith(
        f"SSH: {HOP} refused to forward to target {TARGET}: open failed (channel open failure 1: administratively "
        "prohibited): its forwarding policy forbids this channel (sshd_config AllowTcpForwarding, PermitOpen, or a "
        "Match block"
    )
    assert "down" not in cause and cause.endswith("the target was not tried")


def test_connect_failed_is_the_target_or_its_network_down_as_seen_by_a_working_hop():
    cause = refusal_cause(ChannelRefusal(2, "Connection refused"), HOP, TARGET)

    assert cause == (
        f"SSH: {HOP} could not reach target {TARGET}: Connection refused (channel open failure 2: connect failed); "
        "the jump host is up and authenticated, so the target host or its network is down"
    )


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (3, "does not offer direct-tcpip channels"),
        (4, "is short of resources and refused the channel to target"),
        (9, "with a reason code outside RFC 4254: x (channel open failure 9: unknown reason code)"),
        (None, "did not open a channel to target"),
    ],
)
def test_the_other_reasons_have_their_own_cause_on_one_line(code, expected):
    cause = refusal_cause(ChannelRefusal(code, "x"), HOP, TARGET)

    assert cause.startswith(f"SSH: {HOP} ") and expected in cause
    assert "\n" not in cause and "down" not in cause


def test_a_bastion_refusing_the_next_bastion_names_both():
    cause = refusal_cause(
        ChannelRefusal(1, ""), "first bastion root@127.0.0.1:2222", "127.0.0.1:2223", "second bastion"
    )
    assert cause.startswith(
        "SSH: first bastion root@127.0.0.1:2222 refused to forward to second bastion 127.0.0.1:2223: channel open "
        "failure 1: administratively prohibited: its forwarding policy"
    )
    assert cause.endswith("the second bastion was not tried")
    connect_failed = refusal_cause(ChannelRefusal(2, "No route"), "second bastion ops@b2:22", TARGET)
    assert "the second bastion is up and authenticated" in connect_failed


def test_the_tcp_check_says_not_tried_unless_the_hop_tried_the_port():
    assert tcp_check_refused(ChannelRefusal(2, "Connection refused")) == (
        "not connected: Connection refused (channel open failure 2: connect failed)"
    )
    for code in (1, 3, 4):
        line = tcp_check_refused(ChannelRefusal(code, "no"))
        assert line.startswith("not tried: the hop refused to open the channel") and "not connected" not in line
    assert tcp_check_refused(ChannelRefusal(None, "no answer")) == "not connected: no answer"


def test_hops_are_named_by_their_place_in_the_chain():
    assert ordinal_role(0, 1) == "jump host"
    assert [ordinal_role(index, 3) for index in range(3)] == ["first bastion", "second bastion", "third bastion"]
    assert ordinal_role(10, 11) == "bastion 11"
