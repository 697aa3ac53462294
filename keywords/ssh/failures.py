"""Why an SSH server refused to open a channel, in one line: the four reason codes of RFC 4254 section 5.1, each
with its own cause, so a hardened jump host is never reported as a target that is down.

Pure functions: no connection, no Robot Framework; :mod:`keywords.ssh.channels` and the library call them.
"""

from __future__ import annotations

from dataclasses import dataclass

#: RFC 4254, section 5.1: ``SSH_OPEN_ADMINISTRATIVELY_PROHIBITED`` ... ``SSH_OPEN_RESOURCE_SHORTAGE``.
ADMINISTRATIVELY_PROHIBITED, CONNECT_FAILED, UNKNOWN_CHANNEL_TYPE, RESOURCE_SHORTAGE = 1, 2, 3, 4
REASON_NAMES = {
    ADMINISTRATIVELY_PROHIBITED: "administratively prohibited",
    CONNECT_FAILED: "connect failed",
    UNKNOWN_CHANNEL_TYPE: "unknown channel type",
    RESOURCE_SHORTAGE: "resource shortage",
}


@dataclass(frozen=True)
class ChannelRefusal:
    """A refused ``direct-tcpip`` channel: the RFC 4254 ``code`` (``None``: no answer, e.g. a timeout or a closed
    transport) and the server's own ``description`` of it, when it sent one."""

    code: int | None
    description: str

    @property
    def server_words(self) -> str:
        """``Connection refused (channel open failure 2: connect failed)``: what the server said, and the code."""
        if self.code is None:
            return self.description
        name = REASON_NAMES.get(self.code, "unknown reason code")
        said = self.description.strip()
        coded = f"channel open failure {self.code}: {name}"
        return f"{said} ({coded})" if said else coded

    @property
    def target_was_tried(self) -> bool:
        """Only "connect failed" means the hop tried the destination; the others refused before trying."""
        return self.code == CONNECT_FAILED


def refusal_cause(refusal: ChannelRefusal, hop: str, destination: str, destination_role: str = "target") -> str:
    """The one-line failure when ``hop`` (``jump host root@10.0.0.3:22``) did not open a channel to
    ``destination`` (``10.0.0.5:22``), a ``destination_role`` (``target``, ``second bastion``)."""
    words = refusal.server_words
    if refusal.code == ADMINISTRATIVELY_PROHIBITED:
        return (
            f"SSH: {hop} refused to forward to {destination_role} {destination}: {words}: its forwarding policy "
            f"forbids this channel (sshd_config AllowTcpForwarding, PermitOpen, or a Match block for this user); "
            f"the {destination_role} was not tried"
        )
    if refusal.code == CONNECT_FAILED:
        return (
            f"SSH: {hop} could not reach {destination_role} {destination}: {words}; the {_short(hop)} is up and "
            f"authenticated, so the {destination_role} host or its network is down"
        )
    if refusal.code == UNKNOWN_CHANNEL_TYPE:
        return (
            f"SSH: {hop} does not offer direct-tcpip channels, so it cannot forward to {destination_role} "
            f"{destination}: {words}: it is not a jump host (a restricted or non-OpenSSH server); the "
            f"{destination_role} was not tried"
        )
    if refusal.code == RESOURCE_SHORTAGE:
        return (
            f"SSH: {hop} is short of resources and refused the channel to {destination_role} {destination}: "
            f"{words}: too many open sessions or channels (sshd_config MaxSessions, MaxStartups) or low memory on "
            f"the {_short(hop)}; the {destination_role} was not tried"
        )
    if refusal.code is not None:
        return (
            f"SSH: {hop} refused the channel to {destination_role} {destination} with a reason code outside RFC "
            f"4254: {words}"
        )
    return f"SSH: {hop} did not open a channel to {destination_role} {destination}: {words}"


def tcp_check_refused(refusal: ChannelRefusal) -> str:
    """The evidence's TCP check when its own channel was refused: "not connected" only when the hop tried."""
    if refusal.target_was_tried:
        return f"not connected: {refusal.server_words}"
    if refusal.code is None:
        return f"not connected: {refusal.server_words}"
    return (
        f"not tried: the hop refused to open the channel ({refusal.server_words}), so whether it reaches the port "
        "is unknown"
    )


def ordinal_role(index: int, count: int) -> str:
    """How hop ``index`` (0-based) of a chain of ``count`` jump hosts is named: ``jump host`` alone, else
    ``first bastion``, ``second bastion``, ... ``bastion 11``."""
    if count == 1:
        return "jump host"
    words = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
    return f"{words[index]} bastion" if index < len(words) else f"bastion {index + 1}"


def _short(hop: str) -> str:
    """``jump host`` of ``jump host root@10.0.0.3:22``; ``second bastion`` of ``second bastion ops@...``."""
    return hop.rsplit(" ", 1)[0] if " " in hop else hop
