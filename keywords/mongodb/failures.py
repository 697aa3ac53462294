"""Turn pymongo's exceptions into one line that names the layer, the target and the cause (PZ-13806)."""

from __future__ import annotations

import re

from pymongo.errors import (
    AutoReconnect,
    ConfigurationError,
    ConnectionFailure,
    NetworkTimeout,
    OperationFailure,
    PyMongoError,
    ServerSelectionTimeoutError,
)

AUTHENTICATION_FAILED = 18
UNAUTHORIZED = 13


def explain(
    error: PyMongoError, target: str, user: str | None, auth_source: str, action: str, tls: bool = False
) -> str:
    """``target`` is ``host:port``; ``action`` what was being done, e.g. ``ping``; ``tls`` whether TLS was used."""
    text = str(error)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        reason = _certificate_problem(text)
        return (
            f"MongoDB TLS failure at {target} during {action}: the server's certificate is not trusted ({reason}); "
            "check mongodb.tls_ca_file"
        )
    if not tls and isinstance(error, AutoReconnect | ConnectionFailure) and _closed_at_once(text):
        return (
            f"MongoDB network failure at {target} during {action}: the server closed the connection at once "
            f"({_first_line(error)}); if it requires TLS, set mongodb.tls: true"
        )
    if isinstance(error, OperationFailure):
        message = error.details.get("errmsg", str(error)) if error.details else str(error)
        if error.code == AUTHENTICATION_FAILED:
            return (
                f"MongoDB authentication failed at {target}: user '{user}' with authSource '{auth_source}' "
                f"was rejected (code 18: wrong user, password or authSource)"
            )
        if error.code == UNAUTHORIZED:
            return (
                f"MongoDB authorization failed at {target}: user '{user}' is authenticated but may not {action} "
                f"(code 13: {message})"
            )
        return f"MongoDB command failed at {target} during {action}: {message} (code {error.code})"
    if is_unanswered(error):
        return f"MongoDB network failure at {target} during {action}: no answer in time ({_first_line(error)})"
    if isinstance(error, ConnectionFailure | AutoReconnect):
        return f"MongoDB network failure at {target} during {action}: {_first_line(error)}"
    if isinstance(error, ConfigurationError):
        return f"MongoDB client configuration for {target} is invalid: {error}"
    return f"MongoDB error at {target} during {action}: {_first_line(error)}"


def is_unanswered(error: PyMongoError) -> bool:
    """Whether the server never answered in time: what :func:`explain` calls ``no answer in time``.

    Decided by the error's class, not its text: when the selection timeout expires before the client's monitor has
    finished its own first (timed-out) attempt, the text is only ``No servers found yet``.
    """
    text = str(error)
    answered = ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed", "Connection refused")
    if any(sign in text for sign in answered) or _closed_at_once(text):
        return False
    return isinstance(error, ServerSelectionTimeoutError | NetworkTimeout)


def _certificate_problem(text: str) -> str:
    found = re.search(r"certificate verify failed: ([^(,\]]+)", text)
    return found.group(1).strip() if found else "certificate verify failed"


def _closed_at_once(text: str) -> bool:
    return any(sign in text for sign in ("connection closed", "Connection reset by peer", "[Errno 104]"))


def _first_line(error: Exception) -> str:
    return str(error).split(", Timeout:")[0].splitlines()[0]
