"""The Tasks table view: fixed row heights, no word wrap, sortable, one row selected.

Tab leaves the table for the next control (the queue's buttons, then the toolbar) instead of
walking its cells: a row is chosen with the arrow keys, and a keyboard user must be able to
reach everything else on the tab."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QFocusEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

from taskrun_gui.ui.tasks.keyboard_focus import select_on_keyboard_focus
from taskrun_gui.ui.tasks.task_table_model import (
    COL_KIND,
    COL_LAST_RUN,
    COL_NAME,
    COL_STATUS,
    COL_TAGS,
    TASK_ID_ROLE,
)
from taskrun_gui.ui.widgets.status_delegate import StatusChipDelegate

_COLUMN_WIDTHS = (180, 100, 100, 150, 140, 95, 90, 65, 80)  # status: chip + strip
# what gives way when the window is narrow (1024 px), in this order, down to these widths;
# it grows back to its usual width when there is room again
_GIVES_WAY = ((COL_TAGS, 60), (COL_KIND, 80), (COL_NAME, 130), (COL_LAST_RUN, 130))
_NEXT_MIN = 90  # the last column (next run) stretches over what is left, at least this


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
        self._given: dict[int, int] = {}  # column -> the width it had before giving way

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """No sideways scrolling at 1024 px: the columns in _GIVES_WAY narrow (in order, to
        their minimum) when the others and the last need more than the table's width, and
        widen again, up to the width they had, when the table grows."""
        header = self.horizontalHeader()
        available = self.viewport().width()
        if available <= 0:
            return
        last = header.count() - 1
        shown = [c for c in range(last) if not header.isSectionHidden(c)]
        least_last = max(_NEXT_MIN, header.defaultSectionSize())  # a stretched one's floor
        excess = sum(header.sectionSize(c) for c in shown) + least_last - available
        for col, least in _GIVES_WAY if excess > 0 else reversed(_GIVES_WAY):
            size = header.sectionSize(col)
            if excess > 0 and size > least:
                cut = min(excess, size - least)
                self._given.setdefault(col, size)
                header.resizeSection(col, size - cut)
                excess -= cut
            elif excess < 0 and col in self._given:
                grow = min(-excess, self._given[col] - size)
                header.resizeSection(col, size + grow)
                excess += grow
                if size + grow >= self._given[col]:
                    del self._given[col]

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        select_on_keyboard_focus(self, event)

    def selected_task_id(self) -> int | None:
        rows = self.selectionModel().selectedRows()
        return rows[0].data(TASK_ID_ROLE) if rows else None
