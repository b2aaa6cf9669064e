"""CodeEditor: gutter, indentation keys and a current-line highlight for any theme."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPalette
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
    editor.setPlainText("echo hi")

    editor.setPalette(themed("#ffffff", "#000000", "#3070d0"))
    light = line_highlight(editor)
    editor.setPalette(themed("#1e1e1e", "#e0e0e0", "#3070d0"))
    dark = line_highlight(editor)

    assert light.lightness() > 200  # a faint tint of a light base: dark text stays readable
    assert dark.lightness() < 80  # a faint tint of a dark base: light text stays readable
    assert light != QColor("#ffffff")
    assert dark != QColor("#1e1e1e")


def first_line_far_right(editor: CodeEditor) -> QColor:
    """The colour at the right end of the first line: what the current-line tint covers (the
    full width) and no text reaches."""
    image: QImage = editor.viewport().grab().toImage()
    block = editor.document().firstBlock()
    middle = editor.blockBoundingGeometry(block).translated(editor.contentOffset()).center()
    return image.pixelColor(image.width() - 3, round(middle.y()))


def test_no_tint_over_the_placeholder_of_an_empty_editor(qtbot: QtBot) -> None:
    editor = make_editor(qtbot)
    editor.setPalette(themed("#ffffff", "#000000", "#3070d0"))
    editor.setPlaceholderText("Type the script here")
    editor.setFocus()
    assert first_line_far_right(editor) == QColor("#ffffff")  # the placeholder reads on Base

    qtbot.keyClicks(editor, "echo hi")
    tint = first_line_far_right(editor)
    assert tint != QColor("#ffffff")  # typing: the current line is tinted
    assert tint == line_highlight(editor)

    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    assert editor.toPlainText() == ""
    assert first_line_far_right(editor) == QColor("#ffffff")  # emptied: placeholder again


def test_no_tint_in_a_read_only_or_disabled_editor(qtbot: QtBot) -> None:
    editor = make_editor(qtbot)
    editor.setPalette(themed("#ffffff", "#000000", "#3070d0"))
    editor.setPlainText("echo hi")
    assert first_line_far_right(editor) != QColor("#ffffff")

    editor.setReadOnly(True)
    assert first_line_far_right(editor) == QColor("#ffffff")
    editor.setReadOnly(False)
    assert first_line_far_right(editor) != QColor("#ffffff")

    editor.setPlainText("")
    editor.setPlaceholderText("Commands run as one script; not for this kind of task")
    editor.setEnabled(False)
    assert editor.extraSelections() == []
    editor.setPlainText("echo hi")  # filled while disabled: still nothing to type into
    assert editor.extraSelections() == []
    editor.setEnabled(True)
    assert first_line_far_right(editor) != QColor("#ffffff")
