"""Five minutes of CPU, memory, disk and network history, one sample a second.

Every curve is created once and fed with setData from fixed-size numpy ring buffers, so a
sample costs a few array shifts and no new graphics items. The x axis is "time ago"
(5 min..now): fixed, so the view never rescales as the window scrolls.

Sampling runs only while the tab is visible (the machine owes nobody a history it was not
asked for), so the charts say "collecting…" until they hold a few samples, and a curve breaks
where no sample was taken (the tab was hidden) instead of drawing a line across the gap.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from taskrun_gui.core.timefmt import human_bytes
from taskrun_gui.monitor.system import SystemSnapshot
from taskrun_gui.ui.monitor.chart_axes import AgoAxis, PercentAxis, RateAxis, rate_text

HISTORY = 300  # samples kept: five minutes at one a second
COLLECTING_SAMPLES = 5  # until then each chart says it is collecting
COLLECTING = "collecting… the last 5 minutes fill in from now"
GAP_SECONDS = 3.5  # samples further apart than this (a few sampling intervals) are not joined

_BLUE = "#3B82F6"
_ORANGE = "#F59E0B"
_GREEN = "#10B981"
_PURPLE = "#A855F7"
_CORE = (148, 163, 184, 110)  # slate, translucent: many thin lines must not hide the total


class _Ring:
    """`series` rows of HISTORY floats, oldest first; a push shifts in place."""

    def __init__(self, series: int) -> None:
        self.data = np.zeros((series, HISTORY), dtype=np.float64)
        self.count = 0

    def push(self, values: Sequence[float]) -> None:
        self.data[:, :-1] = self.data[:, 1:]
        self.data[:, -1] = values
        self.count = min(self.count + 1, HISTORY)

    def series(self, i: int) -> np.ndarray:
        return self.data[i, HISTORY - self.count :]


class SystemCharts(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._times = _Ring(1)
        self._cpu: _Ring | None = None  # sized on the first sample: one row per core + total
        self._mem = _Ring(2)
        self._disk = _Ring(2)
        self._net = _Ring(2)

        self.collecting_notes: list[pg.TextItem] = []
        self.cpu_label = QLabel("CPU")
        self.mem_label = QLabel("Memory")
        self.disk_io_label = QLabel("Disk I/O")
        self.net_label = QLabel("Network")
        self.cpu_plot = self._make_plot(y_max=100.0)
        self.mem_plot = self._make_plot(y_max=100.0)
        self.disk_io_plot = self._make_plot(y_max=None)
        self.net_plot = self._make_plot(y_max=None)

        self.cpu_total_curve = self._curve(self.cpu_plot, _BLUE, 2, "total")
        self.cpu_core_curves: list[pg.PlotDataItem] = []
        self.mem_curve = self._curve(self.mem_plot, _PURPLE, 2, "memory")
        self.swap_curve = self._curve(self.mem_plot, _ORANGE, 1, "swap")
        self.read_curve = self._curve(self.disk_io_plot, _GREEN, 2, "read")
        self.write_curve = self._curve(self.disk_io_plot, _ORANGE, 2, "write")
        self.recv_curve = self._curve(self.net_plot, _BLUE, 2, "received")
        self.sent_curve = self._curve(self.net_plot, _ORANGE, 2, "sent")

        self.disk_usage_bar = QProgressBar()
        self.disk_usage_bar.setRange(0, 100)
        self.disk_usage_bar.setValue(0)
        self.disk_usage_bar.setFormat("Measuring…")
        self.disk_usage_bar.setTextVisible(True)

        grid = QGridLayout()
        grid.setSpacing(8)
        panels = (
            (self.cpu_label, self.cpu_plot),
            (self.mem_label, self.mem_plot),
            (self.disk_io_label, self.disk_io_plot),
            (self.net_label, self.net_plot),
        )
        bold = QFont(self.font())
        bold.setBold(True)  # a font, not a style sheet: the label follows a theme switch
        for i, (label, plot) in enumerate(panels):
            label.setFont(bold)
            box = QVBoxLayout()
            box.setSpacing(2)
            box.addWidget(label)
            box.addWidget(plot, 1)
            grid.addLayout(box, i // 2, i % 2)
        disk_row = QHBoxLayout()
        disk_row.addWidget(QLabel("Disk usage"))
        disk_row.addWidget(self.disk_usage_bar, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid, 1)
        layout.addLayout(disk_row)
        self._apply_palette()

    @property
    def sample_count(self) -> int:
        return self._times.count

    def add_sample(self, snap: SystemSnapshot) -> None:
        if self._cpu is None:
            self._create_core_curves(len(snap.cpu_per_core))
        assert self._cpu is not None
        self._times.push([snap.timestamp])
        self._cpu.push([snap.cpu_total_percent, *snap.cpu_per_core])
        self._mem.push([snap.mem_percent, snap.swap_percent])
        self._disk.push([snap.disk_read_bps, snap.disk_write_bps])
        self._net.push([snap.net_recv_bps, snap.net_sent_bps])

        times = self._times.series(0)
        gaps = np.flatnonzero(np.diff(times) > GAP_SECONDS) + 1  # the first sample after each
        x = np.insert(times - times[-1], gaps, (times - times[-1])[gaps])

        def broken(values: np.ndarray) -> np.ndarray:
            """The values with a NaN before each gap's first sample: the curve stops there."""
            return np.insert(values, gaps, np.nan)

        self.cpu_total_curve.setData(x, broken(self._cpu.series(0)))
        for i, curve in enumerate(self.cpu_core_curves, start=1):
            curve.setData(x, broken(self._cpu.series(i)))
        self.mem_curve.setData(x, broken(self._mem.series(0)))
        self.swap_curve.setData(x, broken(self._mem.series(1)))
        self.read_curve.setData(x, broken(self._disk.series(0)))
        self.write_curve.setData(x, broken(self._disk.series(1)))
        self.recv_curve.setData(x, broken(self._net.series(0)))
        self.sent_curve.setData(x, broken(self._net.series(1)))
        self._update_labels(snap)
        if self._times.count >= COLLECTING_SAMPLES:
            for note in self.collecting_notes:
                note.hide()

    @property
    def collecting(self) -> bool:
        """Whether the charts still say they are collecting."""
        return any(note.isVisible() for note in self.collecting_notes)

    def _update_labels(self, snap: SystemSnapshot) -> None:
        self.cpu_label.setText(f"CPU {snap.cpu_total_percent:.0f} %")
        gib = 1024**3
        self.mem_label.setText(
            f"Mem {snap.mem_used / gib:.1f} / {snap.mem_total / gib:.1f} GiB"
            f" ({snap.mem_percent:.0f} %) · Swap {snap.swap_percent:.0f} %"
        )
        self.disk_io_label.setText(
            f"Disk read {rate_text(snap.disk_read_bps)} · write {rate_text(snap.disk_write_bps)}"
        )
        self.net_label.setText(
            f"Net ↓ {rate_text(snap.net_recv_bps)} · ↑ {rate_text(snap.net_sent_bps)}"
        )
        self.disk_usage_bar.setValue(round(snap.disk_percent))
        self.disk_usage_bar.setFormat(
            f"{human_bytes(snap.disk_used)} / {human_bytes(snap.disk_total)}"
            f" used ({snap.disk_percent:.0f} %)"
        )

    # -- building ----------------------------------------------------------------------------

    def _make_plot(self, y_max: float | None) -> pg.PlotWidget:
        axes = {"bottom": AgoAxis(), "left": RateAxis() if y_max is None else PercentAxis()}
        plot = pg.PlotWidget(axisItems=axes)
        plot.setMinimumHeight(120)
        item = plot.getPlotItem()
        item.setMouseEnabled(x=False, y=False)
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setClipToView(True)
        item.setXRange(-HISTORY, 0, padding=0)
        item.disableAutoRange(axis="x")
        if y_max is None:
            item.enableAutoRange(axis="y")
            item.setLimits(yMin=0)
        else:
            item.setYRange(-2, y_max * 1.05, padding=0)  # 0 and 100 % ticks not clipped
            item.disableAutoRange(axis="y")
        item.addLegend(offset=(-8, 4), colCount=2, labelTextSize="8pt")
        note = pg.TextItem(COLLECTING, anchor=(0.5, 0.5))
        note.setParentItem(item.getViewBox())
        item.getViewBox().sigResized.connect(lambda view: note.setPos(view.boundingRect().center()))
        self.collecting_notes.append(note)
        return plot

    @staticmethod
    def _curve(plot: pg.PlotWidget, color: str, width: int, name: str) -> pg.PlotDataItem:
        pen = pg.mkPen(color, width=width)
        return plot.plot(pen=pen, name=name, antialias=False, connect="finite")

    def _create_core_curves(self, cores: int) -> None:
        self._cpu = _Ring(1 + cores)
        for i in range(cores):
            curve = self.cpu_plot.plot(
                pen=pg.mkPen(_CORE, width=1),
                name="per core" if i == 0 else None,
                antialias=False,
                connect="finite",
            )
            curve.setZValue(-1)  # under the total
            self.cpu_core_curves.append(curve)

    def _apply_palette(self) -> None:
        pal = self.palette()
        background = pal.color(QPalette.ColorRole.Base)
        text = pal.color(QPalette.ColorRole.Text)
        for plot in (self.cpu_plot, self.mem_plot, self.disk_io_plot, self.net_plot):
            plot.setBackground(background)
            item = plot.getPlotItem()
            for name in ("left", "bottom"):
                axis = item.getAxis(name)
                axis.setTextPen(text)
                axis.setPen(QColor(text.red(), text.green(), text.blue(), 90))
            legend = item.legend
            for note in self.collecting_notes:
                note.setColor(pal.color(QPalette.ColorRole.PlaceholderText))
            if legend is not None:
                legend.setLabelTextColor(text)
                for _sample, label in legend.items:
                    label.setText(label.text)  # the new colour shows only on the next render

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)
