"""The messages logged anywhere inside a result test, in order: what measurements and evidence are read back from."""

from __future__ import annotations

from collections.abc import Iterator


def messages_of(test) -> Iterator[str]:
    """Each message text in result test ``test`` (its setup, body and teardown, and theirs at any depth), in the
    order they were logged."""
    stack = _parts(test)
    while stack:
        item = stack.pop(0)
        if getattr(item, "type", "") == "MESSAGE":
            yield item.message
            continue
        stack[:0] = _parts(item)


def _parts(item) -> list:
    # A test's or keyword's setup and teardown are not in its body; a message, control structure or branch has none.
    setup, teardown = getattr(item, "setup", None), getattr(item, "teardown", None)
    return [*([setup] if setup else []), *getattr(item, "body", ()), *([teardown] if teardown else [])]
