"""ReturnFolder: what a terminal would show of lines redrawn with carriage returns."""

from __future__ import annotations

from taskrun_gui.core.ansi import Span, Style
from taskrun_gui.core.returns import ReturnFolder

RED = Style(fg="#cd3131")


def texts(spans: list[Span]) -> str:
    return "".join(s.text for s in spans)


def test_crlf_split_across_chunks_is_a_line_end() -> None:
    folder = ReturnFolder()
    assert folder.feed([Span("a\r")]) == (False, [Span("a")])
    assert folder.feed([Span("\nb")]) == (False, [Span("\nb")])


def test_a_lone_return_rewrites_the_line_even_across_chunks() -> None:
    folder = ReturnFolder()
    assert texts(folder.feed([Span("x\n 1%\r 2%\r")])[1]) == "x\n 2%"
    clear, spans = folder.feed([Span(" 3%", RED)])
    assert clear and spans == [Span(" 3%", RED)]


def test_styles_stay_with_their_text() -> None:
    clear, spans = ReturnFolder().feed([Span("old\r"), Span("new", RED), Span("!\n")])
    assert clear
    assert spans == [Span("new", RED), Span("!\n")]
