"""DiffView: line colours a user sees for a unified diff, in light and dark themes."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette, QTextBlock, QTextCharFormat, QTextCursor
from pytestqt.qtbot import QtBot

from taskrun_gui.ui.widgets.diff_view import DiffLine, DiffView, classify_diff_lines

DIFF = """\
diff --git a/task.sh b/task.sh
--- a/task.sh
+++ b/task.sh
@@ -1,3 +1,3 @@
 echo start
-echo old
--- not a header
+echo new
+++ not a header either
 echo end
"""


def make_view(qtbot: QtBot, base: str = "#ffffff", text: str = "#000000") -> DiffView:
    view = DiffView()
    palette = view.palette()
    palette.setColor(QPalette.ColorRole.Base, QColor(base))
    palette.setColor(QPalette.ColorRole.Text, QColor(text))
    view.setPalette(palette)
    qtbot.addWidget(view)
    view.set_diff(DIFF)
    return view


def block(view: DiffView, number: int) -> QTextBlock:
    return view.document().findBlockByNumber(number)


def char_format_at(view: DiffView, number: int) -> QTextCharFormat:
    cursor = QTextCursor(block(view, number))
    cursor.movePosition(QTextCursor.MoveOperation.Right)
    return cursor.charFormat()


def test_classification_uses_hunk_counts() -> None:
    kinds = classify_diff_lines(DIFF.splitlines())
    assert kinds == [
        DiffLine.HEADER,
        DiffLine.HEADER,
        DiffLine.HEADER,
        DiffLine.HUNK,
        DiffLine.CONTEXT,
        DiffLine.REMOVED,
        DiffLine.REMOVED,
        DiffLine.ADDED,
        DiffLine.ADDED,
        DiffLine.CONTEXT,
    ]


def test_lines_are_coloured(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    assert view.isReadOnly()
    assert view.toPlainText() == DIFF.rstrip("\n")

    added = block(view, 7).blockFormat().background().color()
    removed = block(view, 5).blockFormat().background().color()
    assert added.green() > added.red()
    assert removed.red() > removed.green()
    assert block(view, 4).blockFormat().background().style().name == "NoBrush"

    hunk = char_format_at(view, 3).foreground().color()
    assert hunk.blue() > hunk.red() and hunk.blue() > hunk.green()
    assert char_format_at(view, 0).fontWeight() == QFont.Weight.Bold
    assert char_format_at(view, 5).fontWeight() != QFont.Weight.Bold


def test_tints_stay_dark_on_a_dark_palette(qtbot: QtBot) -> None:
    view = make_view(qtbot, base="#1e1e1e", text="#e0e0e0")

    for number in (5, 7):
        background = block(view, number).blockFormat().background().color()
        assert background.lightness() < 100  # light text on it stays readable
    assert char_format_at(view, 7).foreground().color() == QColor("#e0e0e0")
    assert char_format_at(view, 3).foreground().color().lightness() > 128
