"""The Tasks table view: fixed row heights, no word wrap, sortable, one row selected.

Tab leaves the table for the next control (the queue's buttons, then the toolbar) instead of
walking its cells: a row is chosen with the arrow keys, and a keyboard user must be able to
reach everything else on the tab."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

from taskrun_gui.ui.tasks.keyboard_focus import select_on_keyboard_focus
from taskrun_gui.ui.tasks.task_table_model import COL_NAME, COL_STATUS, TASK_ID_ROLE
from taskrun_gui.ui.widgets.status_delegate import StatusChipDelegate

_COLUMN_WIDTHS = (180, 100, 100, 150, 140, 95, 90, 65, 80)  # status: chip + strip


class TaskTableView(QTableView):
    def __init__(self, model: QSortFilterProxyModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tasksTable")
        self.setModel(model)
        self.setSortingEnabled(True)
        self.sortByColumn(COL_NAME, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)  # rows, not a spreadsheet (as the history table)
        self.setWordWrap(False)
        self.setTabKeyNavigation(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 14)
        self.setItemDelegateForColumn(COL_STATUS, StatusChipDelegate(self))  # chip + last runs
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.horizontalHeader()
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        for col, width in enumerate(_COLUMN_WIDTHS):
            header.resizeSection(col, width)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        select_on_keyboard_focus(self, event)

    def selected_task_id(self) -> int | None:
        rows = self.selectionModel().selectedRows()
        return rows[0].data(TASK_ID_ROLE) if rows else None
