"""Command output as text people read: terminal colour and control sequences removed before it reaches the log.

``k9s version`` prints ``\\x1b[36mVersion:\\x1b[0m v0.50.16``; ``log.html`` would show the escape codes. One pure
function, :func:`readable_text`, for every library that logs what a program printed.
"""

from __future__ import annotations

import re

#: ECMA-48 control sequences: CSI (colours, cursor moves: ``ESC [ ... final``), OSC (titles, hyperlinks: ``ESC ]
#: ... BEL`` or ``ESC ] ... ESC \\``), other string commands (DCS, SOS, PM, APC up to ST), and two-character
#: escapes (``ESC (B``, ``ESC =``); the 8-bit CSI (``\\x9b``) too.
_SEQUENCES = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]            # CSI ... final byte
    | \x9b[0-?]*[ -/]*[@-~]            # 8-bit CSI
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\|$)   # OSC ... BEL or ST (or cut off at the end)
    | \x1b[PX^_][^\x1b]*(?:\x1b\\|$)   # DCS, SOS, PM, APC ... ST
    | \x1b[ -/]*[0-~]                  # two-character escapes, with intermediates (ESC ( B)
    | \x1b                             # a lone ESC
    """,
    re.VERBOSE,
)
#: Every other control character, except tab and line feed (carriage returns are handled first).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def readable_text(text: str) -> str:
    """``text`` without terminal control sequences or control characters, tabs and line breaks kept.

    ``\\r\\n`` becomes ``\\n``; a line a program redrew with ``\\r`` (a progress bar) keeps what it showed last.
    Idempotent; text without control characters is returned unchanged.
    """
    text = _SEQUENCES.sub("", text.replace("\r\n", "\n"))
    if "\r" in text:
        text = "\n".join(_last_drawn(line) for line in text.split("\n"))
    return _CONTROLS.sub("", text)


def _last_drawn(line: str) -> str:
    shown = [part for part in line.split("\r") if part]
    return shown[-1] if shown else ""
