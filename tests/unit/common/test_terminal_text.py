"""Command output reaches the log as text people read: no colour codes, no control characters, text kept."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from keywords.common.terminal_text import readable_text

PLAIN = st.text(st.characters(blacklist_categories=("Cc", "Cs")) | st.sampled_from("\n\t"))
SGR = st.builds(lambda codes: f"\x1b[{';'.join(map(str, codes))}m", st.lists(st.integers(0, 255), max_size=4))
CONTROL_SEQUENCES = SGR | st.sampled_from(
    ["\x1b[2K", "\x1b[?25l", "\x1b[1;1H", "\x1b(B", "\x1b=", "\x1b]0;title\x07", "\x1b]8;;u\x1b\\"]
)


def test_k9s_version_colours_are_removed():
    assert readable_text("\x1b[36mVersion:\x1b[0m v0.50.16\r\n\x1b[36mCommit:\x1b[0m abc\r\n") == (
        "Version: v0.50.16\nCommit: abc\n"
    )


def test_a_redrawn_line_keeps_what_it_showed_last():
    assert readable_text("10%\r50%\r100%\ndone") == "100%\ndone"


@given(PLAIN)
def test_text_without_control_characters_is_unchanged(text):
    assert readable_text(text) == text


@given(st.lists(st.tuples(PLAIN, CONTROL_SEQUENCES)), PLAIN)
def test_control_sequences_between_plain_text_leave_exactly_the_text(parts, tail):
    coloured = "".join(text + sequence for text, sequence in parts) + tail
    assert readable_text(coloured) == "".join(text for text, _ in parts) + tail


@given(st.text())
def test_any_output_becomes_printable_lines_and_cleaning_twice_changes_nothing(text):
    cleaned = readable_text(text)
    assert all(character in "\n\t" or character.isprintable() or not character.isascii() for character in cleaned)
    assert "\x1b" not in cleaned and "\r" not in cleaned
    assert readable_text(cleaned) == cleaned
