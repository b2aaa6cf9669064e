"""A plain-text code editor with a line-number gutter, after Qt's Code Editor example.

Scripts are edited here, and error messages cite line numbers, so the gutter matters more
than any other editor feature. Colours come from the palette so light and dark themes both
work without a stylesheet.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize, Qt
from PySide6.QtGui import QKeyEvent, QPainter, QPaintEvent, QPalette, QResizeEvent, QTextFormat
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from taskrun_gui.ui.widgets.style import blend, fixed_font

__all__ = ["CodeEditor"]

INDENT = "    "
_GUTTER_PADDING = 6
_TEXT = QPalette.ColorRole.Text
_DIM = QPalette.ColorRole.PlaceholderText
_RIGHT = Qt.AlignmentFlag.AlignRight


class _LineNumberArea(QWidget):
    """The gutter; a separate widget so it can sit in the editor's left viewport margin."""

    def __init__(self, editor: CodeEditor) -> None:
        super().__init__(editor)
        self._editor = editor

    def sizeHint(self) -> QSize:
        return QSize(self._editor.line_number_area_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self._editor.paint_line_numbers(event)


class CodeEditor(QPlainTextEdit):
    """Fixed-pitch editor: line numbers, current-line highlight, Tab inserts spaces."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._gutter = _LineNumberArea(self)
        self.setFont(fixed_font())
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.blockCountChanged.connect(self._on_block_count_changed)
        self.updateRequest.connect(self._on_update_request)
        self.cursorPositionChanged.connect(self._highlight_current_line)
        self.textChanged.connect(self._highlight_current_line)  # emptied: the placeholder shows
        self._update_metrics()
        self._highlight_current_line()

    def line_number_area_width(self) -> int:
        """Gutter width: wide enough for the largest line number (at least two digits)."""
        digits = max(2, len(str(max(1, self.blockCount()))))
        return 2 * _GUTTER_PADDING + self.fontMetrics().horizontalAdvance("9") * digits

    def paint_line_numbers(self, event: QPaintEvent) -> None:
        """Paint the numbers of the visible blocks; called by the gutter's paintEvent."""
        palette = self.palette()
        painter = QPainter(self._gutter)
        painter.fillRect(event.rect(), palette.color(QPalette.ColorRole.Window))
        painter.setFont(self.font())
        current = self.textCursor().blockNumber()
        width = self._gutter.width() - _GUTTER_PADDING
        height = self.fontMetrics().height()
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        while block.isValid() and top <= event.rect().bottom():
            bottom = top + round(self.blockBoundingRect(block).height())
            if block.isVisible() and bottom >= event.rect().top():
                number = block.blockNumber()
                painter.setPen(palette.color(_TEXT if number == current else _DIM))
                painter.drawText(0, top, width, height, _RIGHT, str(number + 1))
            block = block.next()
            top = bottom
        painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        rect = self.contentsRect()
        self._gutter.setGeometry(
            QRect(rect.left(), rect.top(), self.line_number_area_width(), rect.height())
        )

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Tab indents with spaces (scripts mix badly with tabs); Shift+Tab dedents."""
        plain = event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.ShiftModifier,
        )
        if plain and event.key() == Qt.Key.Key_Tab and not self.isReadOnly():
            self.insertPlainText(INDENT)
            return
        if plain and event.key() == Qt.Key.Key_Backtab and not self.isReadOnly():
            self._dedent_current_line()
            return
        super().keyPressEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._highlight_current_line()
            self._gutter.update()
        elif event.type() in (QEvent.Type.EnabledChange, QEvent.Type.ReadOnlyChange):
            self._highlight_current_line()
        elif event.type() == QEvent.Type.FontChange:
            self._update_metrics()

    def _update_metrics(self) -> None:
        self.setTabStopDistance(self.fontMetrics().horizontalAdvance(" ") * len(INDENT))
        self._on_block_count_changed(self.blockCount())

    def _dedent_current_line(self) -> None:
        cursor = self.textCursor()
        line = cursor.block().text()
        remove = len(line) - len(line.lstrip(" "))
        remove = min(remove, len(INDENT))
        if remove:
            cursor.movePosition(cursor.MoveOperation.StartOfBlock)
            cursor.movePosition(cursor.MoveOperation.Right, cursor.MoveMode.KeepAnchor, remove)
            cursor.removeSelectedText()

    def _on_block_count_changed(self, _count: int) -> None:
        self.setViewportMargins(self.line_number_area_width(), 0, 0, 0)

    def _on_update_request(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())
        if rect.contains(self.viewport().rect()):
            self._on_block_count_changed(self.blockCount())

    def _highlight_current_line(self) -> None:
        """Tint the caret's line with a little of the highlight colour, whatever the theme.
        Not where no one types: an empty editor (the tint would cover its placeholder text),
        a read-only or a disabled one."""
        if self.document().isEmpty() or self.isReadOnly() or not self.isEnabled():
            if self.extraSelections():
                self.setExtraSelections([])
            return
        palette = self.palette()
        colour = blend(
            palette.color(QPalette.ColorRole.Base),
            palette.color(QPalette.ColorRole.Highlight),
            0.15,
        )
        selection = QTextEdit.ExtraSelection()
        selection.format.setBackground(colour)
        selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        cursor = self.textCursor()
        cursor.clearSelection()
        selection.cursor = cursor
        self.setExtraSelections([selection])
