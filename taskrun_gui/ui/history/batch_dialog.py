"""A batch (one `run --on` launch on several hosts) as one row per host, like Rundeck's node
view: status chip, duration, exit code and the host's success rate for the task, live; the
selected host's output in the same live log viewer as the Logs tab.

States arrive from the change hub (in memory, before the store has them); the store is read
on a worker when the dialog opens and once the store holds a finish of the batch (the success
rates change then). Output batches come from the executor's run_output, for the selected run
only."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from taskrun_gui.core.models import RunRecord
from taskrun_gui.core.timefmt import human_duration
from taskrun_gui.ui.change_hub import RunChanges
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.history.batch_rows import BatchData, BatchRows, read_batch
from taskrun_gui.ui.widgets.log_view import LogView
from taskrun_gui.ui.widgets.status_delegate import StatusChipDelegate

HEADERS = ("Host", "Status", "Duration", "Exit code", "Success rate (this task)")
COL_HOST, COL_STATUS, COL_DURATION, COL_EXIT, COL_RATE = range(len(HEADERS))
TICK_MS = 1000  # the running hosts' durations count up


class BatchDialog(QDialog):
    loaded = Signal()  # a store read is on screen

    def __init__(self, ctx: AppContext, batch: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Batch {batch[:8]}")
        self.resize(960, 640)
        self._ctx = ctx
        self.rows = BatchRows(batch)
        self._selected_uid: str | None = None
        self._reading = self._read_again = False
        self.header = QLabel(self)
        self.header.setObjectName("batchHeader")
        self.table = self._make_table()
        self.log_view = LogView(self)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.log_view)
        splitter.setSizes([220, 420])
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(splitter, 1)
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._fill)
        ctx.hub.changed.connect(self._on_hub_changed)
        ctx.executor.run_output.connect(self._on_run_output)
        self.reload()

    def _make_table(self) -> QTableWidget:
        table = QTableWidget(0, len(HEADERS), self)
        table.setObjectName("batchTable")
        table.setHorizontalHeaderLabels(list(HEADERS))
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setShowGrid(False)
        table.setAlternatingRowColors(True)
        table.setItemDelegateForColumn(COL_STATUS, StatusChipDelegate(table))
        header = table.horizontalHeader()
        header.setSectionResizeMode(COL_HOST, QHeaderView.ResizeMode.Stretch)
        for col in (COL_STATUS, COL_DURATION, COL_EXIT, COL_RATE):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        table.itemSelectionChanged.connect(self._on_selection_changed)
        return table

    # -- public -----------------------------------------------------------------------------
    @property
    def batch(self) -> str:
        return self.rows.batch

    def reload(self) -> None:
        """Read the batch from the store; a read asked for during one follows it."""
        if self._reading:
            self._read_again = True
            return
        self._reading = True
        batch = self.batch
        self._ctx.query.read(lambda: read_batch(batch), self._on_read, self._on_failed, self)

    def select_host(self, host: str) -> bool:
        for row, rec in enumerate(self.rows.records()):
            if rec.host == host:
                self.table.selectRow(row)
                return True
        return False

    def selected(self) -> RunRecord | None:
        row = self.table.currentRow()
        recs = self.rows.records()
        return recs[row] if 0 <= row < len(recs) else None

    def cell(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return "" if item is None else item.text()

    # -- filling ----------------------------------------------------------------------------
    def _on_read(self, data: BatchData) -> None:
        self._reading = False
        self.rows.take_data(data)
        self._fill()
        self.loaded.emit()
        if self._read_again:
            self._read_again = False
            self.reload()

    def _on_failed(self, exc: Exception) -> None:
        self._reading = False
        self.header.setText(f"Cannot read the batch: {exc}")

    def _fill(self) -> None:
        recs = self.rows.records()
        first = recs[0] if recs else None
        task = f"{first.task_name} · " if first else ""
        self.header.setText(f"<b>{task}{self.rows.summary()}</b>")
        self.table.setRowCount(len(recs))
        now_ms = int(time.time() * 1000)
        for row, rec in enumerate(recs):
            host = rec.host or ""
            texts = (host, str(rec.status), _duration(rec, now_ms), _exit(rec))
            for col, text in enumerate((*texts, self.rows.rate_text(host))):
                self._set(row, col, text)
        live = self.rows.live()
        if live and not self._tick.isActive():
            self._tick.start()
        elif not live:
            self._tick.stop()
        if self.table.currentRow() < 0 and recs:
            self.table.selectRow(0)
        self._show_selected()

    def _set(self, row: int, col: int, text: str) -> None:
        item = self.table.item(row, col)
        if item is None:
            self.table.setItem(row, col, QTableWidgetItem(text))
        elif item.text() != text:
            item.setText(text)

    def _show_selected(self) -> None:
        """The selected host's log: replayed, then followed while its run is live."""
        rec = self.selected()
        if rec is None:
            return
        if rec.uid != self._selected_uid:
            self._selected_uid = rec.uid
            self.log_view.show_file(rec.log_path or None, live=not rec.status.is_final)

    # -- slots -------------------------------------------------------------------------------
    def _on_selection_changed(self) -> None:
        self._show_selected()

    def _on_hub_changed(self, changes: RunChanges) -> None:
        if self.rows.take(changes.runs):
            self._fill()
        mine = {rec.uid for rec in self.rows.records()}
        if any(uid in mine for uid in changes.recorded):
            self.reload()  # finishes now in the store: the rates count them
        elif changes.stored and self.rows.live() and not self._ctx.executor.serving:
            self.reload()  # a daemon's runs: their states are in the store

    def _on_run_output(self, uid: str, text: str, offset: int) -> None:
        if uid == self._selected_uid:
            self.log_view.append_output(text, offset)


def _duration(rec: RunRecord, now_ms: int) -> str:
    if rec.duration_seconds is not None:
        return human_duration(rec.duration_seconds)
    if rec.started_at is not None and not rec.status.is_final:
        return human_duration(max(0, now_ms - rec.started_at) / 1000)
    return ""


def _exit(rec: RunRecord) -> str:
    return "" if rec.exit_code is None else str(rec.exit_code)


def open_batch(
    ctx: AppContext, batch: str, parent: QWidget, shown: BatchDialog | None
) -> BatchDialog:
    """Show `batch`: the dialog already up for it, or a new one (replacing `shown`)."""
    if shown is not None and shown.batch == batch:
        dialog = shown
    else:
        if shown is not None:
            shown.close()
            shown.deleteLater()
        dialog = BatchDialog(ctx, batch, parent)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
