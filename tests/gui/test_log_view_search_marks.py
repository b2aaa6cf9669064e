"""Log search marks what it counts: every match highlighted, the selected one stronger, and
the match brought into view (also one far above the visible end)."""

from __future__ import annotations

from PySide6.QtCore import QRect
from pytestqt.qtbot import QtBot

from tests.gui.test_widgets_log_view import make_view, numbered


def visible(view, position: int) -> bool:  # type: ignore[no-untyped-def]
    text = view.text_edit()
    cursor = text.textCursor()
    cursor.setPosition(position)
    return QRect(text.viewport().rect()).contains(text.cursorRect(cursor).center())


def test_one_match_is_marked_and_scrolled_to(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.append_output("the NEEDLE is here\n" + numbered(0, 999))  # the match is far above
    text = view.text_edit()
    start = text.toPlainText().index("NEEDLE")
    assert not visible(view, start)

    view.search_bar().set_query("needle")
    assert view.search_bar().match_text() == "1 match"
    assert [(a, b) for a, b, _ in text.highlighted()] == [(start, start + 6)]
    assert visible(view, start)

    assert view.find_next()
    marks = text.highlighted()
    assert marks[-1] == (start, start + 6, "#f59e0b")  # the selected match, strong
    assert view.search_bar().match_text() == "1 of 1"


def test_next_and_previous_move_the_strong_mark(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.append_output(numbered(0, 500) + "err one\n" + numbered(501, 1500) + "err two\n")
    text = view.text_edit()
    starts = [i for i in range(len(text.toPlainText())) if text.toPlainText().startswith("err", i)]
    view.search_bar().set_query("err")
    assert sorted(a for a, _, _ in text.highlighted()) == starts
    view.find_next()  # the view follows the end: the first match from there is the last one
    assert text.highlighted()[-1][:2] == (starts[1], starts[1] + 3)
    view.find_next()  # wraps to the top
    assert text.highlighted()[-1][:2] == (starts[0], starts[0] + 3)
    assert visible(view, starts[0])
    view.find_previous()
    assert text.highlighted()[-1][:2] == (starts[1], starts[1] + 3)
    assert visible(view, starts[1])
    view.search_bar().set_query("")
    assert text.highlighted() == []
