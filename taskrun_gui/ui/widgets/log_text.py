"""The text pane of the log viewer: bounded, ANSI-coloured, and aware of file offsets.

Qt drops lines off the top once ``maximumBlockCount`` is reached, which keeps memory
bounded however long a run talks. To still know exactly where in the file the first shown
line starts (for "Load earlier"), the pane keeps the raw byte size of each shown line.
"""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from taskrun_gui.core.ansi import AnsiParser, Span, Style
from taskrun_gui.core.returns import ReturnFolder
from taskrun_gui.ui.widgets.log_chunk_reader import LogChunk
from taskrun_gui.ui.widgets.style import fixed_font

__all__ = ["LogText"]

MAX_HIGHLIGHTS = 2000  # marking more matches than this costs more than it tells
_MATCH = QColor("#fde68a")  # every match: a soft amber, readable on light and dark
_CURRENT = QColor("#f59e0b")  # the selected match: a strong amber


class LogText(QPlainTextEdit):
    """Read-only, no-wrap, fixed-pitch text holding at most ``max_lines`` lines."""

    top_trimmed = Signal()  # lines fell off the top; ``first_offset`` moved forward

    def __init__(self, parent: QWidget | None = None, max_lines: int = 20_000) -> None:
        super().__init__(parent)
        self._max_lines = max_lines
        self._parser = AnsiParser(keep_returns=True)
        self._folder = ReturnFolder()  # progress bars ("\r") rewrite their line
        self._formats: dict[Style, QTextCharFormat] = {}
        self._first_offset = 0
        self._line_bytes: deque[int] = deque()  # raw size of each complete shown line
        self._partial_bytes = 0  # raw size of the unterminated last line
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(fixed_font())
        self.setMaximumBlockCount(max_lines)

    @property
    def first_offset(self) -> int:
        """File offset of the first byte shown (0 when the start of the file is shown)."""
        return self._first_offset

    def reset(self) -> None:
        """Empty the pane and forget colour state and offsets."""
        self._parser = AnsiParser(keep_returns=True)
        self._folder = ReturnFolder()
        self._first_offset = self._partial_bytes = 0
        self._line_bytes.clear()
        self.setMaximumBlockCount(self._max_lines)
        self.clear()

    def show_chunk(self, chunk: LogChunk) -> None:
        """Show a replayed tail; later appends continue its colour state."""
        self.reset()
        self._parser = chunk.parser
        self._folder = chunk.folder
        self._first_offset = chunk.start
        self._line_bytes.extend(chunk.line_bytes)
        self._partial_bytes = chunk.partial_bytes
        self._insert(self._end_cursor(), chunk.spans)

    def prepend_chunk(self, chunk: LogChunk) -> None:
        """Insert the chunk that ends where the shown text starts, keeping the view still.

        The user asked for it explicitly, so the line bound grows by what was loaded
        instead of throwing it straight away.
        """
        added = len(chunk.line_bytes)
        needed = self.document().blockCount() + added
        if needed > self.maximumBlockCount():
            self.setMaximumBlockCount(needed)
        bar = self.verticalScrollBar()
        value = bar.value()
        self._insert(QTextCursor(self.document()), chunk.spans)
        self._line_bytes.extendleft(reversed(chunk.line_bytes))
        self._first_offset = chunk.start
        bar.setValue(value + added)

    def append_text(self, text: str, follow: bool, file_bytes: int | None = None) -> None:
        """Append one batch; scroll to the end if ``follow``, else keep the same lines in view.

        ``file_bytes``: how many bytes of the file the batch stands for when that is not its
        own size (a flood: its note line stands for the bytes skipped live)."""
        bar = self.verticalScrollBar()
        value = bar.value()
        document = self.document()
        blocks_before = document.blockCount()
        clear_line, spans = self._folder.feed(self._parser.feed(text))
        added = sum(span.text.count("\n") for span in spans)
        cursor = self._end_cursor()
        cursor.beginEditBlock()
        if clear_line:  # a progress bar redrew the line shown last: as a terminal does
            cursor.movePosition(
                QTextCursor.MoveOperation.StartOfBlock, QTextCursor.MoveMode.KeepAnchor
            )
            cursor.removeSelectedText()
        self._insert(cursor, spans)
        cursor.endEditBlock()
        trimmed = max(0, blocks_before + added - document.blockCount())
        self._account_bytes(text, trimmed, file_bytes)
        if follow:
            self.scroll_to_bottom()
        else:
            bar.setValue(max(0, value - trimmed))

    def at_bottom(self) -> bool:
        """True when the last line is in view."""
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum()

    def scroll_to_bottom(self) -> None:
        """Bring the newest line into view."""
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def find_wrapping(self, query: str, backward: bool) -> bool:
        """Select the next (or previous) case-insensitive match, wrapping around the ends."""
        if not query:
            return False
        flags = QTextDocument.FindFlag.FindBackward if backward else QTextDocument.FindFlag(0)
        if self.find(query, flags):
            return True
        cursor = self.textCursor()
        end = QTextCursor.MoveOperation.End if backward else QTextCursor.MoveOperation.Start
        cursor.movePosition(end)
        self.setTextCursor(cursor)
        return self.find(query, flags)

    def highlight(self, query: str) -> None:
        """Mark every match (up to MAX_HIGHLIGHTS) and, stronger, the selected one: the
        pane's own selection is faint while the caret sits in the find field."""
        selections: list[QTextEdit.ExtraSelection] = []
        if query:
            document = self.document()
            cursor = document.find(query, 0)
            while not cursor.isNull() and len(selections) < MAX_HIGHLIGHTS:
                selections.append(_marked(cursor, _MATCH))
                cursor = document.find(query, cursor)
            current = self.textCursor()
            if current.hasSelection() and current.selectedText().lower() == query.lower():
                selections.append(_marked(current, _CURRENT))
        self.setExtraSelections(selections)

    def highlighted(self) -> list[tuple[int, int, str]]:
        """(start, end, colour) of each marked match, the selected one last."""
        return [
            (c.selectionStart(), c.selectionEnd(), sel.format.background().color().name())
            for sel in self.extraSelections()
            for c in (sel.cursor,)
        ]

    def show_first_match(self, query: str) -> None:
        """Bring the first match from the top of what is in view on (else from the start)
        into view, the caret just before it so Enter selects it, as a browser's find does
        while the query is typed."""
        if not query:
            return
        document = self.document()
        top = self.cursorForPosition(self.viewport().rect().topLeft()).position()
        found = document.find(query, top)
        if found.isNull():
            found = document.find(query, 0)
        if found.isNull():
            return
        caret = QTextCursor(document)
        caret.setPosition(found.selectionStart())
        self.setTextCursor(caret)
        self.centerCursor()

    def match_info(self, query: str, selected: bool) -> tuple[int | None, int]:
        """(1-based index of the selected match or None, number of matches)."""
        if not query:
            return None, 0
        text = self.toPlainText().lower()
        query = query.lower()
        count = text.count(query)
        if not (selected and count):
            return None, count
        return text.count(query, 0, self.textCursor().selectionStart()) + 1, count

    def _account_bytes(self, text: str, trimmed: int, file_bytes: int | None) -> None:
        """Record raw line sizes of ``text``, then drop those of lines trimmed off the top.

        With ``file_bytes``, the batch's second line (the note of a flood) is sized so the
        batch's lines add up to it: lines trimmed past it move ``first_offset`` over the
        skipped output too, and "Load earlier" starts where the shown text does."""
        lines = text.split("\n")
        first_new = len(self._line_bytes)
        for line in lines[:-1]:
            self._line_bytes.append(self._partial_bytes + len(line.encode("utf-8")) + 1)
            self._partial_bytes = 0
        self._partial_bytes += len(lines[-1].encode("utf-8"))
        if file_bytes is not None and len(lines) > 2:
            gap = file_bytes - len(text.encode("utf-8"))
            self._line_bytes[first_new + 1] = max(0, self._line_bytes[first_new + 1] + gap)
        if trimmed:
            for _ in range(min(trimmed, len(self._line_bytes))):
                self._first_offset += self._line_bytes.popleft()
            self.top_trimmed.emit()

    def _insert(self, cursor: QTextCursor, spans: list[Span]) -> None:
        """One edit block per batch: a single layout pass, however many colours it has."""
        cursor.beginEditBlock()
        for span in spans:
            cursor.insertText(span.text, self._format_for(span.style))
        cursor.endEditBlock()

    def _format_for(self, style: Style) -> QTextCharFormat:
        fmt = self._formats.get(style)
        if fmt is None:
            fmt = QTextCharFormat()
            if style.fg:
                fmt.setForeground(QColor(style.fg))
            if style.bg:
                fmt.setBackground(QColor(style.bg))
            if style.bold:
                fmt.setFontWeight(QFont.Weight.Bold)
            fmt.setFontItalic(style.italic)
            fmt.setFontUnderline(style.underline)
            self._formats[style] = fmt
        return fmt

    def _end_cursor(self) -> QTextCursor:
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        return cursor


def _marked(cursor: QTextCursor, colour: QColor) -> QTextEdit.ExtraSelection:
    selection = QTextEdit.ExtraSelection()
    selection.cursor = QTextCursor(cursor)
    selection.format.setBackground(colour)
    selection.format.setForeground(QColor("#1f2937"))
    return selection
