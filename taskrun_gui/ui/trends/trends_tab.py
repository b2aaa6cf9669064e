"""The Trends tab: success per day, duration per run, a task x day heat map, statistics and
insights for one task or all, over 7 days to all time.

pyqtgraph takes most of a second to import, so this module does not import it: the charts
are built on the first showEvent. Every query runs on ctx.query's pool; a finished run
refreshes the tab at most every REFRESH_THROTTLE_MS, and only while it is visible.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from taskrun_gui.storage import trends_repo
from taskrun_gui.storage.stats_repo import Scope
from taskrun_gui.storage.trends_repo import WhatChanged
from taskrun_gui.ui.change_hub import RunChanges
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.history.node_filter import NodeFilter
from taskrun_gui.ui.throttle import Throttle
from taskrun_gui.ui.trends.heatmap_view import HeatmapView
from taskrun_gui.ui.trends.stats_panel import StatsPanel

if TYPE_CHECKING:
    from taskrun_gui.ui.trends.duration_chart import DurationChart
    from taskrun_gui.ui.trends.success_chart import SuccessChart
    from taskrun_gui.ui.trends.trend_data import TrendsData

RANGES: tuple[tuple[str, int | None], ...] = (
    ("Last 7 days", 7),
    ("Last 30 days", 30),
    ("Last 90 days", 90),
    ("Last 365 days", 365),
    ("All time", None),
)
DEFAULT_RANGE = 1  # 30 days
REFRESH_THROTTLE_MS = 2000
TIME_PAD = 0.03  # of the range, after its last day: today's runs are not on the plot's edge


class TrendsTab(QWidget):
    open_run_requested = Signal(int)  # run id: the main window shows its log
    data_loaded = Signal()  # the charts show the current scope
    load_failed = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.success_chart: SuccessChart | None = None
        self.duration_chart: DurationChart | None = None
        self.data: TrendsData | None = None
        self.what_changed_dialog: QWidget | None = None
        self._generation = 0
        self._pending_task: int | None = None
        self._stale = True

        layout = QVBoxLayout(self)
        layout.addLayout(self._make_bar())
        layout.addLayout(self._make_body(), 1)
        self._throttle = Throttle(self.refresh, REFRESH_THROTTLE_MS, self)
        self.task_combo.currentIndexChanged.connect(self._on_scope_changed)
        self.range_combo.currentIndexChanged.connect(self._on_scope_changed)
        self.node_combo.name_changed.connect(self._on_scope_changed)
        self.what_changed_button.clicked.connect(self._on_what_changed_clicked)
        self.heatmap.task_clicked.connect(self.set_task)
        ctx.hub.changed.connect(self._on_hub_changed)

    def _make_bar(self) -> QHBoxLayout:
        """Task, range, the what-changed button and the run count."""
        self.task_combo = QComboBox()
        self.task_combo.setMinimumContentsLength(18)
        self.task_combo.addItem("All tasks", None)
        self.range_combo = QComboBox()
        for text, days in RANGES:
            self.range_combo.addItem(text, days)
        self.range_combo.setCurrentIndex(DEFAULT_RANGE)
        # one node's runs (a shared history): hidden until the history has two nodes
        self.node_combo = NodeFilter(self.ctx.query)
        self.what_changed_button = QPushButton("What changed before it broke?")
        self.what_changed_button.setToolTip(
            "Diff the task's version at its last success with the version of its latest failure"
        )
        self.what_changed_button.setEnabled(False)
        self.status_label = QLabel("")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Task"))
        bar.addWidget(self.task_combo)
        bar.addWidget(QLabel("Range"))
        bar.addWidget(self.range_combo)
        node_label = QLabel("Node")
        node_label.setVisible(False)
        self.node_combo.relevant_changed.connect(node_label.setVisible)
        bar.addWidget(node_label)
        bar.addWidget(self.node_combo)
        bar.addWidget(self.what_changed_button)
        bar.addStretch(1)
        bar.addWidget(self.status_label)
        return bar

    def _make_body(self) -> QHBoxLayout:
        """The charts (built on first show) over the heat maps, the statistics beside them."""
        self.heatmap = HeatmapView()
        heat_scroll = QScrollArea()
        heat_scroll.setWidgetResizable(True)
        heat_scroll.setWidget(self.heatmap)
        heat_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self._heat_scroll = heat_scroll
        self.step_heatmap = HeatmapView()  # step x day, for a multi-step task
        self.step_heatmap.setToolTip("Steps by day: red where a step failed")
        self.step_heatmap.setVisible(False)
        self.stats_panel = StatsPanel()
        self.stats_panel.setFixedWidth(300)
        self._charts = QSplitter(Qt.Orientation.Vertical)
        self._charts.setChildrenCollapsible(False)
        self._charts.addWidget(heat_scroll)
        self._charts.addWidget(self.step_heatmap)
        body = QHBoxLayout()
        body.addWidget(self._charts, 1)
        body.addWidget(self.stats_panel)
        return body

    # -- public ----------------------------------------------------------------------------
    def scope(self) -> Scope:
        node = self.node_combo.name()
        return Scope(self.task_combo.currentData(), self.range_combo.currentData(), node)

    def set_task(self, task_id: int | None) -> None:
        """Show one task (None: all tasks); remembered until the task list has loaded."""
        index = self.task_combo.findData(task_id)
        if index < 0:
            self._pending_task = task_id
            return
        self._pending_task = None
        self.task_combo.setCurrentIndex(index)

    def refresh(self) -> None:
        """Reload the task list and every chart of the current scope, off the UI thread."""
        self._throttle.cancel()
        self._stale = False
        if self.success_chart is None:
            self._stale = True  # built and loaded on the first show
            return
        self._generation += 1
        self.node_combo.reload()
        generation, scope = self._generation, self.scope()
        self.status_label.setText("Loading…")
        self.ctx.query.read(
            lambda: (trends_repo.task_names(), _load(scope)),
            lambda result: self._on_loaded(generation, result),
            self._on_load_error,
            owner=self,
        )

    # -- events ----------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.success_chart is None:
            self._build_charts()
        if self._stale:
            self.refresh()

    def _build_charts(self) -> None:
        from taskrun_gui.ui.trends.duration_chart import DurationChart
        from taskrun_gui.ui.trends.success_chart import SuccessChart

        self.success_chart = SuccessChart()
        self.duration_chart = DurationChart()
        self.duration_chart.plot.setXLink(self.success_chart.plot)
        self.duration_chart.run_clicked.connect(self.open_run_requested)
        self._charts.insertWidget(0, self.success_chart)
        self._charts.insertWidget(1, self.duration_chart)
        self._charts.setSizes([230, 330, 220])
        self.duration_chart.item.getViewBox().sigResized.connect(self._align_heatmaps)

    def _on_scope_changed(self) -> None:
        task_id = self.task_combo.currentData()
        self.what_changed_button.setEnabled(task_id is not None)
        self.heatmap.set_selected_task(task_id)
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def _on_hub_changed(self, changes: RunChanges) -> None:
        """Finished runs the store holds now change what the charts show."""
        if not changes.recorded:
            return
        if not self.isVisible():
            self._stale = True
        else:
            self._throttle.ask()

    def _on_loaded(self, generation: int, result: tuple[list[tuple[int, str]], TrendsData]) -> None:
        if generation != self._generation or self.success_chart is None:
            return  # a newer scope was asked for meanwhile
        assert self.duration_chart is not None
        tasks, data = result
        self._fill_task_combo(tasks)
        self.data = data
        self.success_chart.set_data(data.days)
        self.duration_chart.set_data(data)
        self.heatmap.set_data(data.heat)
        self._heat_scroll.setMaximumHeight(self.heatmap.sizeHint().height() + 4)
        steps = data.step_heat
        self.step_heatmap.setVisible(steps is not None and bool(steps.task_ids))
        if steps is not None:
            self.step_heatmap.set_data(steps)
            self.step_heatmap.setMaximumHeight(self.step_heatmap.sizeHint().height() + 4)
        self._show_time_range(data)
        self.stats_panel.set_stats(data.stats)
        one_task = data.scope.task_id is not None
        self.stats_panel.set_insights(
            slow=len(data.slow),
            shifts=data.shifts if one_task else None,
            flip_rate=data.flip_rate,
            flaky=data.flaky,
            shown=len(data.series),
            total=data.series.total,
            sampled=data.series.sampled,
        )
        total = data.stats.total
        self.status_label.setText("1 run" if total == 1 else f"{total:,} runs")
        self._align_heatmaps()
        self.data_loaded.emit()

    def _show_time_range(self, data: TrendsData) -> None:
        """Both charts share the x axis (linked): set it once, to exactly the heat map's days
        (midnight of the first to midnight after the last) and a little room after them, so
        the day columns below line up with the charts, one run shows as one day of a range,
        not as a day of hour ticks, and a run of late today is not cut at the right edge."""
        assert self.duration_chart is not None
        days = data.heat.days
        if days:
            start, end = _midnight(days[0]), _midnight(days[-1]) + 86400
        else:
            end = time.time()
            start = end - 86400 * (data.scope.days or 30)
        view = self.duration_chart.item.getViewBox()
        view.disableAutoRange(axis=view.XAxis)
        view.setXRange(start, end + (end - start) * TIME_PAD, padding=0)

    def _align_heatmaps(self) -> None:
        """Put the heat maps' day columns under the charts' days: from the plot area's left
        to where the time padding after the last day begins."""
        if self.duration_chart is None:
            return
        plot = self.duration_chart.plot
        area = plot.mapFromScene(self.duration_chart.item.getViewBox().sceneBoundingRect())
        rect = area.boundingRect()
        rect.setWidth(round(rect.width() / (1 + TIME_PAD)))
        for heat in (self.heatmap, self.step_heatmap):
            left = heat.mapFromGlobal(plot.mapToGlobal(rect.topLeft())).x()
            right = heat.mapFromGlobal(plot.mapToGlobal(rect.topRight())).x()
            heat.set_columns(left, right)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._align_heatmaps()

    def _on_load_error(self, exc: Exception) -> None:
        self.status_label.setText(f"Could not read the history: {exc}")
        self.load_failed.emit(str(exc))

    def _fill_task_combo(self, tasks: list[tuple[int, str]]) -> None:
        current = (
            self.task_combo.currentData() if self._pending_task is None else self._pending_task
        )
        wanted = [(None, "All tasks"), *tasks]
        have = [
            (self.task_combo.itemData(i), self.task_combo.itemText(i))
            for i in range(self.task_combo.count())
        ]
        if have != wanted:
            self.task_combo.blockSignals(True)
            self.task_combo.clear()
            for task_id, name in wanted:
                self.task_combo.addItem(name, task_id)
            self.task_combo.blockSignals(False)
        index = max(self.task_combo.findData(current), 0)
        self._pending_task = None
        if index != self.task_combo.currentIndex():
            self.task_combo.setCurrentIndex(index)  # a new scope: loads again
        elif self.task_combo.currentData() != current:
            self._on_scope_changed()

    # -- what changed ----------------------------------------------------------------------
    def _on_what_changed_clicked(self) -> None:
        task_id = self.task_combo.currentData()
        if task_id is None:
            return
        name = self.task_combo.currentText()
        self.what_changed_button.setEnabled(False)
        self.ctx.query.read(
            lambda: trends_repo.what_changed(task_id),
            lambda found: self._show_what_changed(name, found),
            self._on_what_changed_error,
            owner=self,
        )

    def _show_what_changed(self, name: str, found: WhatChanged | None) -> None:
        from taskrun_gui.ui.trends.what_changed_dialog import WhatChangedDialog

        self.what_changed_button.setEnabled(self.task_combo.currentData() is not None)
        dialog = WhatChangedDialog(name, found, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.what_changed_dialog = dialog
        dialog.open()

    def _on_what_changed_error(self, exc: Exception) -> None:
        self.what_changed_button.setEnabled(True)
        self.status_label.setText(f"Could not compare versions: {exc}")


def _midnight(day: str) -> float:
    """Local midnight at the start of a 'YYYY-MM-DD' day, in epoch seconds."""
    return time.mktime(time.strptime(day, "%Y-%m-%d"))


def _load(scope: Scope) -> TrendsData:
    """On the worker: numpy and the insight maths are imported there, not at start-up."""
    from taskrun_gui.ui.trends import trend_data

    return trend_data.load(scope)
