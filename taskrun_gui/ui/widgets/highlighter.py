"""Syntax colouring for task scripts, driven by Pygments and the task's interpreter.

Tasks name an interpreter (``bash``, ``/usr/bin/python3``, ``pwsh.exe``), not a file
extension, so the lexer is picked from that. Each block (line) is lexed on its own: exact
for most script lines, and only multi-line strings lose their colour past the first line,
which is an acceptable price for never re-lexing the whole script on a keystroke.
"""

from __future__ import annotations

import re

from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.style import StyleMeta
from pygments.styles import get_style_by_name
from pygments.token import _TokenType
from pygments.util import ClassNotFound
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)

from taskrun_gui.ui.widgets.style import is_dark

__all__ = ["PygmentsHighlighter", "lexer_for_interpreter"]

LIGHT_STYLE = "default"
DARK_STYLE = "monokai"

_INTERPRETERS = {
    "bash": "bash",
    "sh": "bash",
    "zsh": "bash",
    "dash": "bash",
    "ksh": "bash",
    "python": "python",
    "py": "python",
    "pypy": "python",
    "pypy3": "python",
    "node": "javascript",
    "nodejs": "javascript",
    "pwsh": "powershell",
    "powershell": "powershell",
}
_VERSIONED_PYTHON = re.compile(r"python\d+(\.\d+)*")
_LEXER_OPTIONS = {"stripnl": False, "ensurenl": False}


def _basename(path: str) -> str:
    """The last path component, for both POSIX and Windows separators, lower-cased."""
    name = re.split(r"[\\/]", path.strip().strip("\"'"))[-1].lower()
    return name.removesuffix(".exe")


def _lexer_name(interpreter: str) -> str | None:
    candidates = [_basename(interpreter)]  # whole string: "C:\Program Files\...\pwsh.exe"
    words = interpreter.split()
    if words:
        first = _basename(words[0])
        if first == "env":  # "/usr/bin/env python3": the program is the next plain word
            first = next((_basename(w) for w in words[1:] if not w.startswith("-")), "")
        candidates.append(first)
    for name in candidates:
        if name in _INTERPRETERS:
            return _INTERPRETERS[name]
        if _VERSIONED_PYTHON.fullmatch(name):
            return "python"
    return None


def lexer_for_interpreter(interpreter: str) -> Lexer | None:
    """The Pygments lexer for a task's interpreter or script path; None when unknown."""
    name = _lexer_name(interpreter)
    if name is not None:
        return get_lexer_by_name(name, **_LEXER_OPTIONS)
    base = _basename(interpreter)
    if "." in base:  # a script path such as "deploy.sh" or "report.py"
        try:
            return get_lexer_for_filename(base, **_LEXER_OPTIONS)
        except ClassNotFound:
            return None
    return None


class PygmentsHighlighter(QSyntaxHighlighter):
    """Colours a document by Pygments tokens; ``set_language`` picks the lexer."""

    def __init__(self, document: QTextDocument, dark: bool | None = None) -> None:
        super().__init__(document)
        self._lexer: Lexer | None = None
        self._dark = dark
        self._style: StyleMeta = get_style_by_name(LIGHT_STYLE)
        self._formats: dict[_TokenType, QTextCharFormat | None] = {}
        self._load_style()

    def set_language(self, interpreter: str) -> bool:
        """Pick the lexer for ``interpreter``; False (and no colours) when it is unknown."""
        self._lexer = lexer_for_interpreter(interpreter)
        self.rehighlight()
        return self._lexer is not None

    def language(self) -> str | None:
        """The Pygments name of the current lexer, e.g. ``"Python"``; None when plain."""
        return None if self._lexer is None else str(self._lexer.name)

    def set_dark(self, dark: bool | None) -> None:
        """Force a dark or light colour scheme, or None to follow the application palette."""
        self._dark = dark
        self.refresh_style()

    def refresh_style(self) -> None:
        """Re-read the palette (call after a theme change) and recolour."""
        self._load_style()
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        """Lex one line and apply a format per token."""
        if self._lexer is None or not text:
            return
        position = 0
        wide = any(ord(char) > 0xFFFF for char in text)
        for token_type, value in self._lexer.get_tokens(text):
            # Qt counts UTF-16 code units; they differ from code points only above U+FFFF.
            length = len(value.encode("utf-16-le")) // 2 if wide else len(value)
            fmt = self._format_for(token_type)
            if fmt is not None:
                self.setFormat(position, length, fmt)
            position += length

    def _load_style(self) -> None:
        dark = self._dark if self._dark is not None else is_dark(QGuiApplication.palette())
        self._style = get_style_by_name(DARK_STYLE if dark else LIGHT_STYLE)
        self._formats.clear()

    def _format_for(self, token_type: _TokenType) -> QTextCharFormat | None:
        if token_type in self._formats:
            return self._formats[token_type]
        spec = self._style.style_for_token(token_type)
        fmt: QTextCharFormat | None = None
        if spec["color"] or spec["bold"] or spec["italic"] or spec["underline"]:
            fmt = QTextCharFormat()
            if spec["color"]:
                fmt.setForeground(QColor(f"#{spec['color']}"))
            if spec["bold"]:
                fmt.setFontWeight(QFont.Weight.Bold)
            fmt.setFontItalic(bool(spec["italic"]))
            fmt.setFontUnderline(bool(spec["underline"]))
        self._formats[token_type] = fmt
        return fmt
