"""What the SSH lab does under the active faults; the fault table itself is ``lab/faults.yaml`` (key ``ssh``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lab.faults import settings_for

FaultSettings = Callable[[str, frozenset[str]], dict[str, Any]]
#: The account a host of ``wrong_user_for`` puts the operator in, whatever login authenticated.
WRONG_ACCOUNT = "nobody"


@dataclass(frozen=True)
class LabSettings:
    """The SSH lab's knobs; the healthy lab uses the defaults."""

    jump_listening: bool = True
    #: False: the jump host's port accepts connections and never sends its SSH banner (black-holed).
    jump_answering: bool = True
    #: Hosts ("jump", "target") whose published password is not the accepted one.
    wrong_password_for: tuple[str, ...] = ()
    target_reachable: bool = True
    #: Hosts whose known_hosts entry holds a different key than the server presents.
    stale_host_key_for: tuple[str, ...] = ()
    missing_target_tools: tuple[str, ...] = ()
    #: Hosts that log the operator in as another account than the login: their whoami answers ``WRONG_ACCOUNT``.
    wrong_user_for: tuple[str, ...] = ()
    #: False: the second bastion of the two-hop chain refuses every direct-tcpip channel (administratively
    #: prohibited, as an sshd with ``AllowTcpForwarding no``).
    second_hop_forwarding: bool = True
    #: How full the target's root file system is, as its ``df`` (the stand-in ``lab/ssh_hosts/bin/df``) reports it.
    target_disk_used_percent: int = 41


def lab_settings(faults: frozenset[str], fault_settings: FaultSettings = settings_for) -> LabSettings:
    """The settings the active faults give component ``ssh``; YAML lists become tuples, unknown keys fail."""
    raw = fault_settings("ssh", faults)
    return LabSettings(**{key: tuple(value) if isinstance(value, list) else value for key, value in raw.items()})
