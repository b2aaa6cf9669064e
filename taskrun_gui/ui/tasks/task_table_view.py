"""The Tasks table view: fixed row heights, no word wrap, sortable, one row selected.

Tab leaves the table for the next control (the queue's buttons, then the toolbar) instead of
walking its cells: a row is chosen with the arrow keys, and a keyboard user must be able to
reach everything else on the tab."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QFocusEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

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

# what gives way when the window is narrow (1024 px), in this order, down to these widths;
# it grows back to its fitted width when there is room again
_GIVES_WAY = ((COL_TAGS, 60), (COL_KIND, 80), (COL_LAST_RUN, 130))
_TAGS_MAX = 220  # a task with many tags does not take the names' room
_NAME_MIN = 130  # Name stretches over what the other columns leave, at least this
_INTERACTIVE = QHeaderView.ResizeMode.Interactive


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
        self.horizontalHeader().setHighlightSections(False)
        self._given: dict[int, int] = {}  # column -> the width it had before giving way
        self._chosen: set[int] = set()  # columns whose width the user set (kept by refits)
        self._resizing = False  # a resize of ours, not the user's
        self.horizontalHeader().sectionResized.connect(self._on_section_resized)
        self.settle_header()
        model.modelReset.connect(self.fit_columns)
        model.rowsInserted.connect(self.fit_columns)
        model.dataChanged.connect(self._grow_to_content)

    def settle_header(self, chosen: set[int] | None = None) -> None:
        """Name stretches, the others are as wide as their text but for the `chosen` ones:
        after a saved header state is put back, the columns whose width the user had set
        (an older version's state, where the last column stretched, is fitted whole)."""
        header = self.horizontalHeader()
        older = header.stretchLastSection()
        header.setStretchLastSection(False)
        for col in range(header.count()):
            mode = QHeaderView.ResizeMode.Stretch if col == COL_NAME else _INTERACTIVE
            header.setSectionResizeMode(col, mode)
        self._chosen = set() if older or chosen is None else chosen - {COL_NAME}
        self.fit_columns()

    def chosen_columns(self) -> set[int]:
        """The columns whose width the user set (to keep with the header's state)."""
        return set(self._chosen)

    def state_to_save(self) -> QByteArray:
        """The header's state with the widths the columns had before giving way to a narrow
        window (what was narrowed for lack of room is not a width to keep)."""
        header = self.horizontalHeader()
        narrowed = {col: header.sectionSize(col) for col in self._given}
        self._resizing = True
        try:
            for col, width in self._given.items():
                header.resizeSection(col, width)
            state = header.saveState()
            for col, width in narrowed.items():
                header.resizeSection(col, width)
        finally:
            self._resizing = False
        return state

    def _on_section_resized(self, col: int, _old: int, _new: int) -> None:
        if not self._resizing:
            self._chosen.add(col)

    def _resize(self, col: int, width: int) -> None:
        self._resizing = True
        try:
            self.horizontalHeader().resizeSection(col, width)
        finally:
            self._resizing = False

    def fit_columns(self) -> None:
        """Every column but Name as wide as its header and its widest cell (Tags at most
        _TAGS_MAX); Name takes the rest."""
        header = self.horizontalHeader()
        for col in range(header.count()):
            if col != COL_NAME and col not in self._chosen:
                width = max(header.sectionSizeHint(col), self.sizeHintForColumn(col))
                self._resize(col, min(width, _TAGS_MAX) if col == COL_TAGS else width)
        self._given.clear()
        self._fit()

    def _grow_to_content(self, top: QModelIndex, bottom: QModelIndex) -> None:
        """A cell's text got longer (a first run's time, more recent runs): widen its column,
        never narrow it (a width the user chose stays until the tasks change)."""
        header = self.horizontalHeader()
        grown = False
        for col in range(top.column(), bottom.column() + 1):
            skip = col == COL_NAME or col in self._given or col in self._chosen
            if skip or header.isSectionHidden(col):
                continue
            width = self.sizeHintForColumn(col)
            if width > header.sectionSize(col) and not (col == COL_TAGS and width > _TAGS_MAX):
                self._resize(col, width)
                grown = True
        if grown:
            self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """No sideways scrolling at 1024 px: the columns in _GIVES_WAY narrow (in order, to
        their minimum) when the others and Name's minimum need more than the table's width,
        and widen again, up to the width they had, when the table grows."""
        header = self.horizontalHeader()
        available = self.viewport().width()
        if available <= 0:
            return
        shown = [c for c in range(header.count()) if c != COL_NAME]
        shown = [c for c in shown if not header.isSectionHidden(c)]
        excess = sum(header.sectionSize(c) for c in shown) + _NAME_MIN - available
        for col, least in _GIVES_WAY if excess > 0 else reversed(_GIVES_WAY):
            size = header.sectionSize(col)
            if excess > 0 and size > least:
                cut = min(excess, size - least)
                self._given.setdefault(col, size)
                self._resize(col, size - cut)
                excess -= cut
            elif excess < 0 and col in self._given:
                grow = min(-excess, self._given[col] - size)
                self._resize(col, size + grow)
                excess += grow
                if size + grow >= self._given[col]:
                    del self._given[col]

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        select_on_keyboard_focus(self, event)

    def selected_task_id(self) -> int | None:
        rows = self.selectionModel().selectedRows()
        return rows[0].data(TASK_ID_ROLE) if rows else None
