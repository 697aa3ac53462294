"""Opening a ``direct-tcpip`` channel through a jump host, with the server's own reason when it refuses."""

from __future__ import annotations

import logging
import re

import paramiko


class ForwardRefused(Exception):
    """The jump host did not open the channel; ``cause`` says why, in the server's words where it gave them."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


def open_forwarded_channel(transport: paramiko.Transport, host: str, port: int, timeout_s: float) -> paramiko.Channel:
    """A channel to ``host:port`` opened by the jump host behind ``transport``; :class:`ForwardRefused` if not."""
    refusal = _ChannelRefusalReason()
    paramiko_log = logging.getLogger("paramiko.transport")
    paramiko_log.addHandler(refusal)
    try:
        return transport.open_channel("direct-tcpip", (host, port), ("127.0.0.1", 0), timeout=timeout_s)
    except paramiko.ChannelException as error:
        cause = f"{refusal.reason or error.text} (channel open failure {error.code}: {error.text})"
    except (paramiko.SSHException, OSError) as error:
        cause = str(error) or type(error).__name__
    finally:
        paramiko_log.removeHandler(refusal)
    raise ForwardRefused(cause)


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
