"""Two runs side by side: what differed in how they ran, then what differed in their output.

The metadata rows are the stable run shape of `core.run_json`, so this dialog, the export and
`taskrun --json` name things the same way. Logs can be huge: only the last 2 MiB of each is
read, and colour codes are stripped so that lines compare on their text. Reading and aligning
(difflib: seconds for ten thousand similar lines) run on a worker while the dialog says
"comparing…"; closing the dialog drops the work (before the alignment, if it has not begun).
"""

from __future__ import annotations

import os
import threading

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QCloseEvent, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from taskrun_gui.core.ansi import AnsiParser
from taskrun_gui.core.models import RunRecord
from taskrun_gui.core.run_json import FIELDS, run_to_json
from taskrun_gui.ui.history.compare_fields import COMPARED, label, value_text
from taskrun_gui.ui.query import QueryRunner
from taskrun_gui.ui.widgets import side_by_side
from taskrun_gui.ui.widgets.side_by_side import Row, RowKind, SideBySideDiff

TAIL_BYTES = 2 * 1024 * 1024


def read_log_tail(path: str, limit: int = TAIL_BYTES) -> str:
    """The last `limit` bytes of a log as plain text, starting at a whole line."""
    if not path:
        return ""
    try:
        with open(path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            start = max(0, size - limit)
            f.seek(start)
            data = f.read()
    except FileNotFoundError:
        return "(the log file no longer exists)\n"
    if start > 0:
        cut = data.find(b"\n")
        data = data[cut + 1 :] if cut >= 0 else data
    text = data.decode("utf-8", errors="replace")
    plain = "".join(span.text for span in AnsiParser().feed(text))
    return f"… (only the last {limit // (1024 * 1024)} MiB)\n{plain}" if start > 0 else plain


class Cancelled(Exception):
    """The dialog closed before the work began."""


def compare_logs(left: str, right: str, closed: threading.Event) -> list[Row]:
    """On a worker: read both tails and align their lines (unless the dialog closed)."""
    texts = [read_log_tail(p) for p in (left, right)]
    if closed.is_set():
        raise Cancelled
    return side_by_side.align_lines(texts[0].splitlines(), texts[1].splitlines())


class CompareDialog(QDialog):
    outputs_loaded = Signal()

    def __init__(
        self, query: QueryRunner, a: RunRecord, b: RunRecord, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Compare run {a.id} with run {b.id}")
        self._a, self._b = a, b
        self.table = self._make_table(a, b)
        self.diff = SideBySideDiff(self)
        self.diff.set_texts(self._title(a), "comparing…", self._title(b), "comparing…")
        self.summary = QLabel(
            f"{len(self._differing)} of {len(COMPARED)} fields differ "
            "(highlighted); comparing the outputs…",
            self,
        )
        self.comparing = True
        self._closed = threading.Event()

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.diff)
        splitter.setSizes([330, 420])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        self.resize(1100, 800)

        paths, closed = (a.log_path, b.log_path), self._closed
        query.read(
            lambda: compare_logs(*paths, closed), self._on_compared, self._on_failed, owner=self
        )

    @property
    def differing_fields(self) -> list[str]:
        return list(self._differing)

    def _title(self, rec: RunRecord) -> str:
        return f"Run {rec.id} — {rec.task_name} v{rec.version} ({rec.status})"

    def _make_table(self, a: RunRecord, b: RunRecord) -> QTableWidget:
        left, right = run_to_json(a), run_to_json(b)
        table = QTableWidget(len(FIELDS), 2, self)
        table.setObjectName("metadataTable")
        table.setHorizontalHeaderLabels([f"Run {a.id}", f"Run {b.id}"])
        table.setVerticalHeaderLabels([label(name) for name in FIELDS])
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(False)
        rows = table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(table.fontMetrics().height() + 6)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        tint = QColor(self.palette().highlight().color())
        tint.setAlpha(70)
        bold = QFont(table.font())
        bold.setBold(True)
        self._differing: list[str] = []
        for row, name in enumerate(FIELDS):
            texts = (value_text(a, name, left[name]), value_text(b, name, right[name]))
            differs = name in COMPARED and left[name] != right[name]
            if differs:
                self._differing.append(name)
            for col, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if differs:
                    item.setBackground(QBrush(tint))
                    item.setFont(bold)
                table.setItem(row, col, item)
        return table

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closed.set()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        self._closed.set()
        super().done(result)

    def _on_failed(self, exc: Exception) -> None:
        self.comparing = False
        if not isinstance(exc, Cancelled):
            self.summary.setText(f"The outputs could not be compared: {exc}")

    def _on_compared(self, rows: list[Row]) -> None:
        self.comparing = False
        if self._closed.is_set():
            return
        self.diff.set_rows(self._title(self._a), self._title(self._b), rows)
        same = sum(1 for r in self.diff.rows() if r.kind is RowKind.EQUAL)
        total = len(self.diff.rows())
        self.summary.setText(
            f"{len(self._differing)} of {len(COMPARED)} fields differ (highlighted); "
            f"{total - same} of {total} output lines differ"
        )
        self.outputs_loaded.emit()
