"""PygmentsHighlighter: lexer choice by interpreter, and formats on the text."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QFont, QTextDocument
from pytestqt.qtbot import QtBot

from taskrun_gui.ui.widgets.code_editor import CodeEditor
from taskrun_gui.ui.widgets.highlighter import PygmentsHighlighter, lexer_for_interpreter


@pytest.mark.parametrize(
    ("interpreter", "language"),
    [
        ("bash", "Bash"),
        ("sh", "Bash"),
        ("zsh", "Bash"),
        ("python", "Python"),
        ("python3", "Python"),
        ("python3.11", "Python"),
        ("/usr/bin/python3 -u", "Python"),
        ("/usr/bin/env python3", "Python"),
        ("node", "JavaScript"),
        ("pwsh", "PowerShell"),
        ("powershell", "PowerShell"),
        ("C:\\Program Files\\PowerShell\\7\\pwsh.exe", "PowerShell"),
        ("/opt/scripts/report.py", "Python"),
        ("ruby-or-whatever", None),
        ("", None),
    ],
)
def test_lexer_for_interpreter(interpreter: str, language: str | None) -> None:
    lexer = lexer_for_interpreter(interpreter)
    assert (lexer.name if lexer else None) == language


def highlighted_document(qtbot: QtBot, dark: bool) -> tuple[QTextDocument, PygmentsHighlighter]:
    """The document of a real editor: highlighting is synchronous once a layout exists."""
    editor = CodeEditor()
    qtbot.addWidget(editor)
    return editor.document(), PygmentsHighlighter(editor.document(), dark=dark)


def formats_of_first_block(document: QTextDocument) -> dict[int, tuple[int, QColor, bool]]:
    ranges = document.firstBlock().layout().formats()
    return {
        r.start: (
            r.length,
            r.format.foreground().color(),
            r.format.fontWeight() == QFont.Weight.Bold,
        )
        for r in ranges
    }


def test_python_keyword_gets_a_format(qtbot: QtBot) -> None:
    document, highlighter = highlighted_document(qtbot, dark=False)
    assert highlighter.set_language("python3")
    document.setPlainText("def main():\n    return 1\n")

    formats = formats_of_first_block(document)

    length, colour, bold = formats[0]
    assert length == 3  # "def"
    assert colour == QColor("#008000")  # Pygments "default" style: keywords bold green
    assert bold


def test_dark_palette_uses_dark_style(qtbot: QtBot) -> None:
    document, highlighter = highlighted_document(qtbot, dark=True)
    highlighter.set_language("python")
    document.setPlainText("def main():\n")

    length, colour, _bold = formats_of_first_block(document)[0]

    assert length == 3
    assert colour.lightness() > 100  # light on dark (monokai)


def test_unknown_interpreter_leaves_text_plain(qtbot: QtBot) -> None:
    document, highlighter = highlighted_document(qtbot, dark=False)
    assert not highlighter.set_language("mystery-shell")
    document.setPlainText("def main():\n")

    assert document.firstBlock().layout().formats() == []
    assert highlighter.language() is None


def test_switching_language_recolours(qtbot: QtBot) -> None:
    document, highlighter = highlighted_document(qtbot, dark=False)
    document.setPlainText("def main():\n")
    highlighter.set_language("bash")
    bash_formats = formats_of_first_block(document)
    highlighter.set_language("python")

    assert formats_of_first_block(document) != bash_formats
    assert highlighter.language() == "Python"


def test_offsets_survive_characters_beyond_the_bmp(qtbot: QtBot) -> None:
    document, highlighter = highlighted_document(qtbot, dark=False)
    highlighter.set_language("python")
    document.setPlainText("s = '\U0001f600' if ok else ''\n")

    formats = formats_of_first_block(document)
    keyword = document.firstBlock().text().index("if") + 1  # the emoji is 2 UTF-16 units
    assert formats[keyword][0] == 2
