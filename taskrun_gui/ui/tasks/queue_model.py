"""The run queue as a table: position, task, priority, queued time, attempt.

The queue lives in the executor's memory, so a copy is taken on each queue_changed; it is
small (runs past the worker limit), so a reset per change is cheaper than diffing.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from taskrun_gui.core.models import RunRecord
from taskrun_gui.core.timefmt import local_text

COLUMNS = ("#", "Task", "Priority", "Queued at", "Attempt")
COL_POS, COL_TASK, COL_PRIORITY, COL_QUEUED, COL_ATTEMPT = range(len(COLUMNS))
RUN_UID_ROLE = Qt.ItemDataRole.UserRole

_Index = QModelIndex | QPersistentModelIndex


class QueueModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runs: list[RunRecord] = []

    def set_runs(self, runs: list[RunRecord]) -> None:
        if [r.uid for r in runs] == [r.uid for r in self._runs]:
            self._runs = list(runs)
            if runs:
                self.dataChanged.emit(self.index(0, 0), self.index(len(runs) - 1, len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self._runs = list(runs)
        self.endResetModel()

    def uid_at(self, row: int) -> str:
        return self._runs[row].uid

    def row_of(self, uid: str) -> int | None:
        return next((i for i, r in enumerate(self._runs) if r.uid == uid), None)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._runs)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._runs):
            return None
        rec = self._runs[index.row()]
        col = index.column()
        if role == RUN_UID_ROLE:
            return rec.uid
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_POS:
                return str(index.row() + 1)
            if col == COL_TASK:
                return rec.task_name
            if col == COL_PRIORITY:
                return str(rec.priority)
            if col == COL_QUEUED:
                return local_text(rec.queued_at)
            if col == COL_ATTEMPT:
                return str(rec.attempt)
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_TASK and rec.params:
            return ", ".join(f"{k}={v}" for k, v in rec.params.items())
        return None
