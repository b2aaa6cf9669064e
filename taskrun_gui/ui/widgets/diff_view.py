"""A read-only unified-diff viewer, used to show what changed between task versions.

Lines are classified by walking hunk headers (``@@ -a,b +c,d @@``) and their line counts,
so a removed line that happens to start with ``--`` is not mistaken for a file header.
Tints are blended from the palette so they stay readable in light and dark themes.
"""

from __future__ import annotations

import re
from enum import StrEnum

from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QFont, QPalette, QTextBlockFormat, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from taskrun_gui.ui.widgets.style import GREEN, RED, fixed_font, is_dark, tint

__all__ = ["DiffLine", "DiffView", "classify_diff_lines"]

_HUNK = re.compile(r"@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
_HEADER_PREFIXES = ("diff ", "index ", "--- ", "+++ ", "new file", "deleted file", "similarity")


class DiffLine(StrEnum):
    HEADER = "header"
    HUNK = "hunk"
    ADDED = "added"
    REMOVED = "removed"
    CONTEXT = "context"


def classify_diff_lines(lines: list[str]) -> list[DiffLine]:
    """The kind of each line of a unified diff."""
    kinds: list[DiffLine] = []
    old_left = new_left = 0  # lines still expected in the current hunk
    unbounded = False  # a hunk header without counts: classify by first character
    for line in lines:
        in_hunk = old_left > 0 or new_left > 0 or unbounded
        if line.startswith("@@"):
            match = _HUNK.match(line)
            unbounded = match is None
            if match:
                old_left = int(match.group(1) or 1)
                new_left = int(match.group(2) or 1)
            kinds.append(DiffLine.HUNK)
        elif not in_hunk or (unbounded and line.startswith(_HEADER_PREFIXES)):
            kinds.append(DiffLine.HEADER if line.startswith(_HEADER_PREFIXES) else DiffLine.CONTEXT)
        elif line.startswith("+"):
            new_left -= 1
            kinds.append(DiffLine.ADDED)
        elif line.startswith("-"):
            old_left -= 1
            kinds.append(DiffLine.REMOVED)
        else:  # " context" or "\ No newline at end of file"
            if not line.startswith("\\"):
                old_left -= 1
                new_left -= 1
            kinds.append(DiffLine.CONTEXT)
    return kinds


class DiffView(QPlainTextEdit):
    """Shows a unified diff: additions green, removals red, hunks blue, headers bold."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._diff = ""
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(fixed_font())

    def set_diff(self, unified_diff_text: str) -> None:
        """Replace the shown diff."""
        self._diff = unified_diff_text
        self._render()

    def diff(self) -> str:
        """The diff text last set."""
        return self._diff

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._render()  # tints are derived from the palette

    def _render(self) -> None:
        lines = self._diff.splitlines()
        formats = self._formats()
        self.clear()
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        for index, (line, kind) in enumerate(zip(lines, classify_diff_lines(lines), strict=True)):
            block_format, char_format = formats[kind]
            if index:
                cursor.insertBlock(block_format, char_format)
            else:
                cursor.setBlockFormat(block_format)
            cursor.insertText(line, char_format)
        cursor.endEditBlock()

    def _formats(self) -> dict[DiffLine, tuple[QTextBlockFormat, QTextCharFormat]]:
        palette = self.palette()
        formats = {kind: (QTextBlockFormat(), QTextCharFormat()) for kind in DiffLine}
        formats[DiffLine.ADDED][0].setBackground(tint(palette, GREEN))
        formats[DiffLine.REMOVED][0].setBackground(tint(palette, RED))
        hunk_colour = QColor("#79c0ff" if is_dark(palette) else "#0550ae")
        formats[DiffLine.HUNK][1].setForeground(hunk_colour)
        formats[DiffLine.HEADER][1].setFontWeight(QFont.Weight.Bold)
        text = palette.color(QPalette.ColorRole.Text)
        for kind in (DiffLine.ADDED, DiffLine.REMOVED, DiffLine.HEADER, DiffLine.CONTEXT):
            formats[kind][1].setForeground(text)
        return formats
