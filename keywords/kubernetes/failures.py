"""The Kubernetes client's errors as one line each: what the API answered (401, 403, 404, TLS, another status) or
why no answer came (refused, timed out), and the one error type every failed call raises."""

from __future__ import annotations

import json

import urllib3
from kubernetes import client as k8s

from keywords.common.redaction import redact


class ApiCallFailed(AssertionError):
    """``Kubernetes API <url>: <verb> <target> failed: <cause>``; ``status`` is the HTTP status (``None`` when no
    answer came: refused, timed out)."""

    ROBOT_SUPPRESS_NAME = True
    #: What a wait polls through: the object may yet be created, the server may yet answer.
    TRANSIENT = frozenset({404, 429, 500, 502, 503, 504})

    def __init__(self, message: str, status: int | None) -> None:
        super().__init__(redact(message))
        self.status = status

    @property
    def transient(self) -> bool:
        return self.status is None or self.status in self.TRANSIENT


def _api_exception_cause(error: k8s.ApiException, verb: str, target: str) -> str:
    try:
        message = json.loads(error.body or "{}").get("message", "")
    except ValueError:
        message = ""
    if error.status == 401:
        return "unauthorized (401): the token/credentials were rejected"
    if error.status == 403:
        return f"forbidden (403): not allowed to {verb} {target}" + (f" ({message})" if message else "")
    if error.status == 404:
        return f"not found (404): {message or target}"
    if error.status == 0:  # the client reports TLS failures (e.g. an untrusted certificate) this way
        return f"TLS failure: {(error.reason or '').replace(chr(10), ': ')}"
    return f"HTTP {error.status} {error.reason}" + (f": {message}" if message else "")


def _transport_cause(error: BaseException, timeout_s: float, bound: str = "request_timeout_s") -> str:
    chain: list[BaseException] = []
    while error is not None and error not in chain:
        chain.append(error)
        error = error.__cause__ or error.__context__ or getattr(error, "reason", None)
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "connection refused"
    if any(isinstance(e, (urllib3.exceptions.TimeoutError, TimeoutError)) for e in chain):
        return f"timed out after {timeout_s:g} s ({bound})"
    return f"{type(chain[0]).__name__}: {chain[0]}"
