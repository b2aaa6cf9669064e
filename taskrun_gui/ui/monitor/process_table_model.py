"""The processes of the running runs, one row per process, grouped by run."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from taskrun_gui.core.timefmt import human_bytes
from taskrun_gui.monitor.system import RunProcRow

_Index = QModelIndex | QPersistentModelIndex

COL_TASK, COL_PID, COL_COMMAND, COL_CPU, COL_RSS, COL_RUNTIME = range(6)
HEADERS = ("Task", "PID", "Command", "CPU %", "RSS", "Runtime")
_NUMERIC = {COL_PID, COL_CPU, COL_RSS, COL_RUNTIME}
_INDENT = "    "


def runtime_text(seconds: float) -> str:
    """Whole seconds, as a process monitor shows them: '42s', '1m 05s', '2h 03m', '3d 04h'."""
    total = int(seconds)
    if total < 60:
        return f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours:02d}h"


def group_by_run(rows: list[RunProcRow]) -> list[RunProcRow]:
    """Rows of one run together, runs in order of first appearance, each run's order kept.

    The sampler already yields the main process first and children depth-first; this only
    guards against a caller interleaving runs.
    """
    groups: dict[str, list[RunProcRow]] = {}
    for row in rows:
        groups.setdefault(row.run_uid, []).append(row)
    return [row for group in groups.values() for row in group]


class RunProcessModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[RunProcRow] = []
        self._bold = QFont()
        self._bold.setBold(True)

    # -- updates -----------------------------------------------------------------------------

    def set_rows(self, rows: list[RunProcRow]) -> None:
        """Update in place when the same processes are listed (keeps selection and scroll)."""
        rows = group_by_run(rows)
        same = [(r.run_uid, r.pid) for r in rows] == [(r.run_uid, r.pid) for r in self._rows]
        if same:
            self._rows = rows
            if rows:
                last = self.index(len(rows) - 1, len(HEADERS) - 1)
                self.dataChanged.emit(self.index(0, 0), last)
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    # -- lookups -----------------------------------------------------------------------------

    def row_at(self, row: int) -> RunProcRow:
        return self._rows[row]

    def run_uid_at(self, row: int) -> str:
        return self._rows[row].run_uid

    def row_of(self, run_uid: str, pid: int) -> int:
        """The row showing this process of this run, or -1."""
        for i, r in enumerate(self._rows):
            if r.pid == pid and r.run_uid == run_uid:
                return i
        return -1

    def rows(self) -> list[RunProcRow]:
        return list(self._rows)

    # -- QAbstractTableModel -----------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(HEADERS):
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return self._alignment(section)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, col)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._alignment(col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == COL_COMMAND:
                return row.cmdline
            if col == COL_TASK:
                return f"{row.task_name} (run {row.run_uid})"
            return None
        if role == Qt.ItemDataRole.FontRole and row.depth == 0:
            return self._bold
        if role == Qt.ItemDataRole.UserRole:
            return row.run_uid
        return None

    @staticmethod
    def _display(row: RunProcRow, col: int) -> str | None:
        if col == COL_TASK:
            return row.task_name if row.depth == 0 else ""
        if col == COL_PID:
            return str(row.pid)
        if col == COL_COMMAND:
            prefix = _INDENT * (row.depth - 1) + "└ " if row.depth > 0 else ""
            paused = " (paused)" if row.status == "stopped" else ""
            return f"{prefix}{row.cmdline}{paused}"
        if col == COL_CPU:
            return f"{row.cpu_percent:.1f}"
        if col == COL_RSS:
            return human_bytes(row.rss)
        if col == COL_RUNTIME:
            return runtime_text(row.runtime_s)
        return None

    @staticmethod
    def _alignment(col: int) -> int:
        horizontal = Qt.AlignmentFlag.AlignRight if col in _NUMERIC else Qt.AlignmentFlag.AlignLeft
        return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
