"""One redaction for every message the run writes: the secret values it knows, raw or URL-encoded, and the
user information of any URI (``mongodb://user:password@host``).

The configuration layer registers each secret value as it resolves one (:func:`register`); test failure messages,
log messages, the diagnosis and the Xray command's errors all pass through :func:`redact`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
#: Shorter values are not masked: they would mask ordinary words (and are no credential worth the name).
MIN_SECRET_LENGTH = 6
_USERINFO = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*://)[^/?#@\s]+@")
_known: set[str] = set()


def register(secret: str) -> None:
    """Remember ``secret`` for every later :func:`redact` in this process."""
    if isinstance(secret, str) and len(secret) >= MIN_SECRET_LENGTH:
        _known.add(secret)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with each known (and each given) secret masked in every form, and URI user information removed."""
    values = _known | {secret for secret in secrets if isinstance(secret, str) and len(secret) >= MIN_SECRET_LENGTH}
    for secret in sorted(values, key=len, reverse=True):  # a longer secret may contain a shorter one
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            text = text.replace(form, MASK)
    return _USERINFO.sub(rf"\1{MASK}@", text)
