"""SideBySideDiff: aligned rows, tints and shared scrolling when comparing two runs."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPlainTextEdit
from pytestqt.qtbot import QtBot

from taskrun_gui.ui.widgets.side_by_side import Row, RowKind, SideBySideDiff, align_lines


def make_diff(qtbot: QtBot) -> SideBySideDiff:
    widget = SideBySideDiff()
    qtbot.addWidget(widget)
    widget.resize(800, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def lines(pane: QPlainTextEdit) -> list[str]:
    return pane.toPlainText().split("\n")


def has_tint(pane: QPlainTextEdit, number: int) -> bool:
    brush = pane.document().findBlockByNumber(number).blockFormat().background()
    return brush.style().name != "NoBrush"


def test_align_lines() -> None:
    rows = align_lines(["a", "b", "c"], ["a", "B", "c", "d"])
    assert rows == [
        Row("a", "a", RowKind.EQUAL),
        Row("b", "B", RowKind.CHANGED),
        Row("c", "c", RowKind.EQUAL),
        Row(None, "d", RowKind.ADDED),
    ]


def test_changed_line_is_aligned_and_tinted(qtbot: QtBot) -> None:
    widget = make_diff(qtbot)
    widget.set_texts(
        "Run #1",
        "start\nstep 1\nresult 41\ntail\nremoved\nend\n",
        "Run #2",
        "start\nstep 1\nresult 42\ntail\nend\nextra\n",
    )
    titles = [label.text() for label in widget.findChildren(QLabel)]
    assert "Run #1" in titles and "Run #2" in titles

    left, right = lines(widget.left_pane), lines(widget.right_pane)
    assert len(left) == len(right)
    row = left.index("result 41")
    assert right[row] == "result 42"
    assert left.index("end") == right.index("end")
    assert has_tint(widget.left_pane, row) and has_tint(widget.right_pane, row)
    assert not has_tint(widget.left_pane, 0) and not has_tint(widget.right_pane, 0)

    removed = left.index("removed")
    assert right[removed] == ""  # filler where the second run has no line
    assert has_tint(widget.right_pane, removed)
    extra = right.index("extra")
    assert left[extra] == ""


def test_scroll_bars_are_synchronised(qtbot: QtBot) -> None:
    widget = make_diff(qtbot)
    text = "".join(f"line {n}\n" for n in range(500))
    widget.set_texts("a", text, "b", text.replace("line 250", "LINE 250"))

    widget.left_pane.verticalScrollBar().setValue(120)
    assert widget.right_pane.verticalScrollBar().value() == 120
    widget.right_pane.verticalScrollBar().setValue(300)
    assert widget.left_pane.verticalScrollBar().value() == 300


def test_horizontal_scroll_of_the_wider_side_is_not_pulled_back(qtbot: QtBot) -> None:
    widget = make_diff(qtbot)
    widget.set_texts("a", "x" * 2000 + "\n", "b", "short\n")
    left = widget.left_pane.horizontalScrollBar()
    qtbot.waitUntil(lambda: left.maximum() > 0)  # widths are known once the panes lay out
    assert left.maximum() > widget.right_pane.horizontalScrollBar().maximum()

    left.setValue(left.maximum())

    assert left.value() == left.maximum()
