"""Two texts side by side with matching lines on the same row, to compare two runs' output.

Rows are aligned with ``difflib.SequenceMatcher`` opcodes; where one side has no line, a
blank filler row keeps the two panes in step, so one shared scroll position shows the same
place in both. Both panes scroll together.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QPalette, QTextBlockFormat, QTextCursor
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QScrollBar, QSplitter, QVBoxLayout, QWidget

from taskrun_gui.ui.widgets.style import AMBER, GREEN, RED, blend, fixed_font, tint

__all__ = ["Row", "RowKind", "SideBySideDiff", "align_lines"]


class RowKind(StrEnum):
    EQUAL = "equal"
    CHANGED = "replace"
    REMOVED = "delete"  # only on the left
    ADDED = "insert"  # only on the right


@dataclass(frozen=True, slots=True)
class Row:
    """One aligned row; None marks a filler where that side has no line."""

    left: str | None
    right: str | None
    kind: RowKind


def align_lines(left: list[str], right: list[str]) -> list[Row]:
    """Pair up lines of two texts so that equal lines share a row."""
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        kind = RowKind(tag)
        if kind is RowKind.EQUAL:
            rows.extend(Row(a, b, kind) for a, b in zip(left[i1:i2], right[j1:j2], strict=True))
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            a = left[i1 + k] if i1 + k < i2 else None
            b = right[j1 + k] if j1 + k < j2 else None
            rows.append(Row(a, b, kind))
    return rows


class SideBySideDiff(QWidget):
    """Left and right read-only panes with aligned rows and synchronised scrolling."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self._syncing = False
        self._left_title = QLabel(self)
        self._left_title.setObjectName("leftTitle")
        self._right_title = QLabel(self)
        self._right_title.setObjectName("rightTitle")
        self._left = self._make_pane("leftPane")
        self._right = self._make_pane("rightPane")

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        for title, pane in ((self._left_title, self._left), (self._right_title, self._right)):
            column = QWidget(splitter)
            column_layout = QVBoxLayout(column)
            column_layout.setContentsMargins(0, 0, 0, 0)
            column_layout.addWidget(title)
            column_layout.addWidget(pane, 1)
            splitter.addWidget(column)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self._link(self._left.verticalScrollBar(), self._right.verticalScrollBar())
        self._link(self._left.horizontalScrollBar(), self._right.horizontalScrollBar())

    @property
    def left_pane(self) -> QPlainTextEdit:
        return self._left

    @property
    def right_pane(self) -> QPlainTextEdit:
        return self._right

    def rows(self) -> list[Row]:
        """The aligned rows currently shown."""
        return list(self._rows)

    def set_texts(self, left_title: str, left_text: str, right_title: str, right_text: str) -> None:
        """Show two short texts with their lines aligned (here: align long ones on a worker
        with `align_lines`, then `set_rows`)."""
        self.set_rows(
            left_title, right_title, align_lines(left_text.splitlines(), right_text.splitlines())
        )

    def set_rows(self, left_title: str, right_title: str, rows: list[Row]) -> None:
        """Show rows aligned beforehand (difflib on long logs takes seconds)."""
        self._left_title.setText(left_title)
        self._right_title.setText(right_title)
        self._rows = rows
        self._render()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._rows:
            self._render()  # tints are derived from the palette

    def _make_pane(self, name: str) -> QPlainTextEdit:
        pane = QPlainTextEdit(self)
        pane.setObjectName(name)
        pane.setReadOnly(True)
        pane.setUndoRedoEnabled(False)
        pane.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)  # wrapping breaks alignment
        pane.setFont(fixed_font())
        return pane

    def _link(self, first: QScrollBar, second: QScrollBar) -> None:
        """Each bar drives the other; the guard stops a clamped value bouncing back."""

        def follow(source: QScrollBar, target: QScrollBar) -> None:
            def on_value_changed(value: int) -> None:
                if not self._syncing:
                    self._syncing = True
                    target.setValue(value)
                    self._syncing = False

            source.valueChanged.connect(on_value_changed)

        follow(first, second)
        follow(second, first)

    def _render(self) -> None:
        palette = self.palette()
        filler = blend(
            palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Mid), 0.35
        )
        tints = {RowKind.CHANGED: tint(palette, AMBER), RowKind.REMOVED: tint(palette, RED)}
        self._fill(self._left, [row.left for row in self._rows], tints, filler)
        tints = {RowKind.CHANGED: tint(palette, AMBER), RowKind.ADDED: tint(palette, GREEN)}
        self._fill(self._right, [row.right for row in self._rows], tints, filler)

    def _fill(
        self,
        pane: QPlainTextEdit,
        lines: list[str | None],
        tints: dict[RowKind, QColor],
        filler: QColor,
    ) -> None:
        pane.clear()
        cursor = QTextCursor(pane.document())
        cursor.beginEditBlock()
        for index, (line, row) in enumerate(zip(lines, self._rows, strict=True)):
            block_format = QTextBlockFormat()
            if line is None:
                block_format.setBackground(filler)
            elif row.kind in tints:
                block_format.setBackground(tints[row.kind])
            if index:
                cursor.insertBlock(block_format)
            else:
                cursor.setBlockFormat(block_format)
            cursor.insertText(line or "")
        cursor.endEditBlock()
