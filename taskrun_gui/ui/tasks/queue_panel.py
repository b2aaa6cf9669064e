"""The visible run queue under the Tasks table: move a waiting run up or down, or cancel it.

Runs past the worker limit wait here rather than being refused, so the user needs to see them
and reorder them; the executor owns the order, this panel only asks it to change.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from taskrun_gui.core.models import RunRecord
from taskrun_gui.ui.tasks.keyboard_focus import select_on_keyboard_focus
from taskrun_gui.ui.tasks.queue_model import (
    COL_ATTEMPT,
    COL_POS,
    COL_PRIORITY,
    COL_QUEUED,
    COL_TASK,
    QueueModel,
)


class _QueueTable(QTableView):
    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        select_on_keyboard_focus(self, event)


class QueuePanel(QWidget):
    move_requested = Signal(str, int)  # run uid, new index
    cancel_requested = Signal(str)  # run uid

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = QueueModel(self)
        self.table = _QueueTable()
        self.table.setObjectName("queueTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)  # Tab goes on to Move up / down / Cancel
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        header.setStretchLastSection(False)
        header.resizeSection(COL_POS, 40)
        header.setSectionResizeMode(COL_TASK, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(COL_PRIORITY, 70)
        header.resizeSection(COL_QUEUED, 170)
        header.resizeSection(COL_ATTEMPT, 70)
        header.setSectionResizeMode(COL_POS, QHeaderView.ResizeMode.Fixed)

        self.title = QLabel("Queue — empty")
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        self.cancel_button = QPushButton("Cancel run")
        self.up_button.clicked.connect(self._on_up_button_clicked)
        self.down_button.clicked.connect(self._on_down_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)

        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        for b in (self.up_button, self.down_button, self.cancel_button):
            bar.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self._update_buttons()

    def set_runs(self, runs: list[RunRecord], paused: bool = False) -> None:
        """Show the executor's queue, keeping the selected run selected."""
        keep = self.selected_uid()
        self.model.set_runs(runs)
        n = len(runs)
        text = "Queue — empty" if not n else f"Queue — {n} waiting"
        self.title.setText(text + (" (paused)" if paused else ""))
        if keep is not None and (row := self.model.row_of(keep)) is not None:
            self._select(row)
        self._update_buttons()

    def selected_uid(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.uid_at(rows[0].row()) if rows else None

    def _select(self, row: int) -> None:
        self.table.selectionModel().select(
            self.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    def _selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def _on_selection_changed(self) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        row = self._selected_row()
        n = self.model.rowCount()
        self.up_button.setEnabled(row is not None and row > 0)
        self.down_button.setEnabled(row is not None and row < n - 1)
        self.cancel_button.setEnabled(row is not None)

    def _move(self, delta: int) -> None:
        row = self._selected_row()
        if row is not None:
            self.move_requested.emit(self.model.uid_at(row), row + delta)

    def _on_up_button_clicked(self) -> None:
        self._move(-1)

    def _on_down_button_clicked(self) -> None:
        self._move(1)

    def _on_cancel_button_clicked(self) -> None:
        uid = self.selected_uid()
        if uid is not None:
            self.cancel_requested.emit(uid)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Delete and self.selected_uid() is not None:
            self._on_cancel_button_clicked()
            return
        super().keyPressEvent(event)
