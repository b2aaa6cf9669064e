"""AnsiParser: what colours and text a log viewer would get from terminal output."""

from __future__ import annotations

import pytest

from taskrun_gui.core.ansi import AnsiParser, Span, Style, xterm_colour

RED = "#cd3131"
GREEN = "#0dbc79"


def plain_text(spans: list[Span]) -> str:
    return "".join(span.text for span in spans)


def test_plain_text_is_one_unstyled_span() -> None:
    assert AnsiParser().feed("hello\nworld\n") == [Span("hello\nworld\n", Style())]


def test_basic_colours_bold_and_reset() -> None:
    spans = AnsiParser().feed("a\x1b[1;31mb\x1b[0mc")
    assert spans == [Span("a"), Span("b", Style(fg=RED, bold=True)), Span("c")]


def test_partial_resets_keep_other_attributes() -> None:
    parser = AnsiParser()
    spans = parser.feed("\x1b[1;3;4;32;41mx\x1b[22my\x1b[23;24mz\x1b[39mw\x1b[49mv")
    assert [s.style for s in spans] == [
        Style(fg=GREEN, bg=RED, bold=True, italic=True, underline=True),
        Style(fg=GREEN, bg=RED, italic=True, underline=True),
        Style(fg=GREEN, bg=RED),
        Style(bg=RED),
        Style(),
    ]
    assert plain_text(spans) == "xyzwv"


def test_bright_and_empty_sgr_means_reset() -> None:
    spans = AnsiParser().feed("\x1b[91mA\x1b[mB\x1b[104mC")
    assert spans == [Span("A", Style(fg="#f14c4c")), Span("B"), Span("C", Style(bg="#3b8eea"))]


@pytest.mark.parametrize(
    ("sequence", "expected"),
    [
        ("\x1b[38;5;196m", Style(fg="#ff0000")),
        ("\x1b[38;5;2m", Style(fg=GREEN)),
        ("\x1b[48;5;232m", Style(bg="#080808")),
        ("\x1b[38;2;10;20;30m", Style(fg="#0a141e")),
        ("\x1b[48;2;255;128;0;1m", Style(bg="#ff8000", bold=True)),
        ("\x1b[38:2::1:2:3m", Style(fg="#010203")),
        ("\x1b[38:5:21m", Style(fg="#0000ff")),
    ],
)
def test_extended_colours(sequence: str, expected: Style) -> None:
    assert AnsiParser().feed(f"{sequence}x") == [Span("x", expected)]


def test_xterm_palette_corners() -> None:
    assert xterm_colour(16) == "#000000"
    assert xterm_colour(231) == "#ffffff"
    assert xterm_colour(255) == "#eeeeee"


def test_other_sequences_are_stripped() -> None:
    text = (
        "\x1b]0;window title\x07"  # OSC ended by BEL
        "\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\"  # OSC 8 hyperlink ended by ST
        "\x1b[2K\x1b[1A\x1b[?25l"  # erase line, cursor up, hide cursor
        "\x1b(B\x1b=done\x07\x08\n"  # charset, keypad mode, BEL, backspace
    )
    assert plain_text(AnsiParser().feed(text)) == "linkdone\n"


def test_carriage_returns_are_dropped() -> None:
    assert plain_text(AnsiParser().feed("a\r\nb\rc\r")) == "a\nbc"


@pytest.mark.parametrize("cut", range(1, len("\x1b[38;2;1;2;3m")))
def test_sequence_split_across_feeds(cut: int) -> None:
    sequence = "\x1b[38;2;1;2;3m"
    parser = AnsiParser()
    first = parser.feed("before" + sequence[:cut])
    second = parser.feed(sequence[cut:] + "after")
    assert first == [Span("before")]
    assert second == [Span("after", Style(fg="#010203"))]


def test_osc_split_across_feeds_is_held_back() -> None:
    parser = AnsiParser()
    assert plain_text(parser.feed("x\x1b]0;ti")) == "x"
    assert plain_text(parser.feed("tle\x1b")) == ""
    assert plain_text(parser.feed("\\y")) == "y"


def test_style_persists_across_feeds() -> None:
    parser = AnsiParser()
    parser.feed("\x1b[32m")
    assert parser.feed("still green\n") == [Span("still green\n", Style(fg=GREEN))]


def test_malformed_csi_does_not_swallow_text() -> None:
    assert plain_text(AnsiParser().feed("a\x1b[12\nb")) == "a12\nb"


def test_private_sgr_is_ignored() -> None:
    assert AnsiParser().feed("\x1b[>4;2mx") == [Span("x")]
