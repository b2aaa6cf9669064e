"""The Monitor tab: live system charts above, the processes of the running runs below.

Sampling runs on a worker thread once a second and only while the tab is visible; the tab asks
the running-runs provider (an in-memory list, cheap) on each tick and hands its answer over.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from taskrun_gui.monitor.system import RunProcRow, RunRef, SystemSnapshot
from taskrun_gui.ui.icons import icon
from taskrun_gui.ui.monitor.process_table_model import (
    COL_COMMAND,
    COL_CPU,
    COL_PID,
    COL_RSS,
    COL_RUNTIME,
    COL_TASK,
    RunProcessModel,
)
from taskrun_gui.ui.monitor.sampler_worker import MonitorSampler

if TYPE_CHECKING:
    from taskrun_gui.ui.monitor.system_charts import SystemCharts

RunningProvider = Callable[[], list[RunRef]]
# a run's secret values to mask in its command lines, asked on the sampler's thread
SecretsFor = Callable[[str], list[str] | None]

SAMPLE_INTERVAL_MS = 1000
_COLUMN_WIDTHS = {COL_TASK: 160, COL_PID: 70, COL_CPU: 70, COL_RSS: 90, COL_RUNTIME: 90}


class MonitorTab(QWidget):
    stop_requested = Signal(str)  # run_uid
    pause_requested = Signal(str)
    resume_requested = Signal(str)

    def __init__(
        self,
        data_dir: str,
        running_provider: RunningProvider,
        parent: QWidget | None = None,
        secrets_for: SecretsFor | None = None,
    ) -> None:
        super().__init__(parent)
        self._running_provider = running_provider
        self._sampler = MonitorSampler(data_dir, self, secrets_for)
        self._sampler.sampled.connect(self._on_sampler_sampled)
        self.timer = QTimer(self)
        self.timer.setInterval(SAMPLE_INTERVAL_MS)
        self.timer.timeout.connect(self._on_timer_timeout)

        self._charts: SystemCharts | None = None  # built on first show: pyqtgraph is heavy
        self._charts_slot = QWidget()
        self.model = RunProcessModel(self)
        self.table = self._make_table()

        self.stop_action = QAction("Stop", self)
        self.stop_action.setToolTip("Stop the selected run and all of its processes")
        self.pause_action = QAction("Pause", self)
        self.pause_action.setToolTip("Suspend every process of the selected run")
        self.resume_action = QAction("Resume", self)
        self.resume_action.setToolTip("Continue a paused run")
        self.stop_action.triggered.connect(self._on_stop_action_triggered)
        self.pause_action.triggered.connect(self._on_pause_action_triggered)
        self.resume_action.triggered.connect(self._on_resume_action_triggered)
        self._menu = QMenu(self)
        self._menu.addActions([self.stop_action, self.pause_action, self.resume_action])

        self.summary_label = QLabel("No runs are running")
        bar = QHBoxLayout()
        bar.addWidget(self.summary_label, 1)
        self.stop_button = self._make_button(self.stop_action, "stop")
        self.pause_button = self._make_button(self.pause_action, "pause")
        self.resume_button = self._make_button(self.resume_action, "play")
        for button in (self.pause_button, self.resume_button, self.stop_button):
            bar.addWidget(button)

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addLayout(bar)
        lower_layout.addWidget(self.table, 1)
        lower.setMinimumHeight(160)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self._charts_slot)
        self._splitter = splitter
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([600, 400])  # scaled to the real height: the table gets about 40 %
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self._update_actions()

    # -- public ------------------------------------------------------------------------------

    @property
    def charts(self) -> SystemCharts:
        """The plots, made the first time they are needed (pyqtgraph and numpy take a good
        part of a second to import; the window should not wait for a tab nobody opened)."""
        if self._charts is None:
            from taskrun_gui.ui.monitor.system_charts import SystemCharts

            self._charts = SystemCharts()
            self._splitter.replaceWidget(0, self._charts)
            self._charts_slot.deleteLater()
        return self._charts

    def sample_now(self) -> bool:
        """Ask for one sample at once (starting the worker if needed); False when one is due."""
        self._sampler.start()
        return self._sampler.request(self._running_provider())

    def shutdown(self) -> None:
        """Stop the timer and the sampling thread; safe to call more than once."""
        self.timer.stop()
        self._sampler.stop()

    def selected_run_uid(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.run_uid_at(rows[0].row()) if rows else None

    # -- visibility --------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.charts  # noqa: B018 - built on first show
        self._sampler.start()
        if not self.timer.isActive():
            self.timer.start()
            self._on_timer_timeout()  # fill the view now rather than a second from now

    def hideEvent(self, event: QHideEvent) -> None:
        self.shutdown()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    # -- slots -------------------------------------------------------------------------------

    @Slot()
    def _on_timer_timeout(self) -> None:
        if not self._sampler.is_busy():
            self._sampler.request(self._running_provider())

    @Slot(object, object)
    def _on_sampler_sampled(self, snapshot: SystemSnapshot, rows: list[RunProcRow]) -> None:
        self.charts.add_sample(snapshot)
        selected = self._selected_key()
        self.model.set_rows(rows)
        if selected is not None and self.selected_run_uid() is None:
            self._select(*selected)  # a reset (a process came or went) drops the selection
        runs = len({r.run_uid for r in rows})
        if rows:
            self.summary_label.setText(
                f"{runs} run{'s' if runs != 1 else ''} running · "
                f"{len(rows)} process{'es' if len(rows) != 1 else ''}"
            )
        else:
            self.summary_label.setText("No runs are running")
        self._update_actions()

    @Slot()
    def _on_selection_changed(self) -> None:
        self._update_actions()

    @Slot(QPoint)
    def _on_table_context_menu_requested(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        self.table.selectRow(index.row())
        self._menu.popup(self.table.viewport().mapToGlobal(pos))

    @Slot()
    def _on_stop_action_triggered(self) -> None:
        uid = self.selected_run_uid()
        if uid is not None:
            self.stop_requested.emit(uid)

    @Slot()
    def _on_pause_action_triggered(self) -> None:
        uid = self.selected_run_uid()
        if uid is not None:
            self.pause_requested.emit(uid)

    @Slot()
    def _on_resume_action_triggered(self) -> None:
        uid = self.selected_run_uid()
        if uid is not None:
            self.resume_requested.emit(uid)

    # -- helpers -----------------------------------------------------------------------------

    def _selected_key(self) -> tuple[str, int] | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        row = self.model.row_at(rows[0].row())
        return row.run_uid, row.pid

    def _select(self, run_uid: str, pid: int) -> None:
        row = self.model.row_of(run_uid, pid)
        if row < 0:  # that process is gone: fall back to its run's main process
            row = next((i for i, r in enumerate(self.model.rows()) if r.run_uid == run_uid), -1)
        if row >= 0:
            flags = (
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows
            )
            self.table.selectionModel().select(self.model.index(row, 0), flags)

    def _update_actions(self) -> None:
        uid = self.selected_run_uid()
        paused = uid is not None and any(
            r.run_uid == uid and r.depth == 0 and r.status == "stopped" for r in self.model.rows()
        )
        self.stop_action.setEnabled(uid is not None)
        self.pause_action.setEnabled(uid is not None and not paused)
        self.resume_action.setEnabled(uid is not None and paused)

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setShowGrid(False)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._on_table_context_menu_requested)
        vertical = table.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(table.fontMetrics().height() + 8)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_COMMAND, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        for col, width in _COLUMN_WIDTHS.items():
            table.setColumnWidth(col, width)
        return table

    @staticmethod
    def _make_button(action: QAction, icon_name: str) -> QToolButton:
        action.setIcon(icon(icon_name))  # the window's one icon set, as on the Tasks toolbar
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setMinimumWidth(72)
        return button
