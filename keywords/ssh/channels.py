"""Opening a ``direct-tcpip`` channel through a jump host, with the server's own reason when it refuses."""

from __future__ import annotations

import logging
import re

import paramiko

from keywords.ssh.failures import ChannelRefusal


class ForwardRefused(Exception):
    """The jump host did not open the channel; ``refusal`` holds the RFC 4254 reason code and the server's words,
    ``cause`` both on one line."""

    def __init__(self, refusal: ChannelRefusal) -> None:
        super().__init__(refusal.server_words)
        self.refusal = refusal
        self.cause = refusal.server_words


def open_forwarded_channel(transport: paramiko.Transport, host: str, port: int, timeout_s: float) -> paramiko.Channel:
    """A channel to ``host:port`` opened by the jump host behind ``transport``; :class:`ForwardRefused` if not."""
    refusal = _ChannelRefusalReason()
    paramiko_log = logging.getLogger("paramiko.transport")
    paramiko_log.addHandler(refusal)
    try:
        return transport.open_channel("direct-tcpip", (host, port), ("127.0.0.1", 0), timeout=timeout_s)
    except paramiko.ChannelException as error:
        found = ChannelRefusal(error.code, refusal.reason or "")
    except (paramiko.SSHException, OSError) as error:
        found = ChannelRefusal(None, _no_answer(error, timeout_s))
    finally:
        paramiko_log.removeHandler(refusal)
    raise ForwardRefused(found)


def _no_answer(error: Exception, timeout_s: float) -> str:
    """paramiko says "Timeout opening channel." when the hop never answered the request; the rest as it is."""
    text = str(error) or type(error).__name__
    if "timeout" in text.lower():
        return f"no answer to the channel request within {timeout_s:g} s (ssh.timeout_s)"
    return text


class _ChannelRefusalReason(logging.Handler):
    """Catches the server's reason for refusing a channel: paramiko logs it, its exception keeps a generic text."""

    PATTERN = re.compile(r"open FAILED: (.*): [^:]*$")

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.reason: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        match = self.PATTERN.search(record.getMessage())
        if match:
            self.reason = match.group(1)
