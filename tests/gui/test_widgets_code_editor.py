"""CodeEditor: gutter, indentation keys and a current-line highlight for any theme."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from pytestqt.qtbot import QtBot

from taskrun_gui.ui.widgets.code_editor import CodeEditor


def make_editor(qtbot: QtBot) -> CodeEditor:
    editor = CodeEditor()
    qtbot.addWidget(editor)
    editor.resize(500, 300)
    editor.show()
    qtbot.waitExposed(editor)
    return editor


def themed(base: str, text: str, highlight: str) -> QPalette:
    palette = QPalette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        palette.setColor(group, QPalette.ColorRole.Base, QColor(base))
        palette.setColor(group, QPalette.ColorRole.Text, QColor(text))
        palette.setColor(group, QPalette.ColorRole.Highlight, QColor(highlight))
    return palette


def line_highlight(editor: CodeEditor) -> QColor:
    [selection] = editor.extraSelections()
    return selection.format.background().color()


def test_gutter_grows_with_line_count(qtbot: QtBot) -> None:
    editor = make_editor(qtbot)
    editor.setPlainText("\n".join(["x"] * 9))
    narrow = editor.line_number_area_width()
    assert editor.viewportMargins().left() == narrow

    editor.setPlainText("\n".join(["x"] * 1000))
    wide = editor.line_number_area_width()

    assert wide > narrow
    assert editor.viewportMargins().left() == wide


def test_font_is_fixed_pitch(qtbot: QtBot) -> None:
    editor = make_editor(qtbot)
    metrics = editor.fontMetrics()
    assert metrics.horizontalAdvance("i") == metrics.horizontalAdvance("W")


def test_tab_inserts_four_spaces_and_shift_tab_removes_them(qtbot: QtBot) -> None:
    editor = make_editor(qtbot)
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    qtbot.keyClicks(editor, "echo hi")
    assert editor.toPlainText() == "    echo hi"

    qtbot.keyClick(editor, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert editor.toPlainText() == "echo hi"


def test_current_line_highlight_follows_the_caret(qtbot: QtBot) -> None:
    editor = make_editor(qtbot)
    editor.setPlainText("one\ntwo\nthree")
    cursor = editor.textCursor()
    cursor.setPosition(5)
    editor.setTextCursor(cursor)
    [selection] = editor.extraSelections()
    assert selection.cursor.blockNumber() == 1


def test_current_line_highlight_suits_light_and_dark_palettes(qtbot: QtBot) -> None:
    editor = make_editor(qtbot)

    editor.setPalette(themed("#ffffff", "#000000", "#3070d0"))
    light = line_highlight(editor)
    editor.setPalette(themed("#1e1e1e", "#e0e0e0", "#3070d0"))
    dark = line_highlight(editor)

    assert light.lightness() > 200  # a faint tint of a light base: dark text stays readable
    assert dark.lightness() < 80  # a faint tint of a dark base: light text stays readable
    assert light != QColor("#ffffff")
    assert dark != QColor("#1e1e1e")
