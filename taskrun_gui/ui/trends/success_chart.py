"""Success rate per day (0-100 %, left axis) over bars of the day's run count (right axis).

The bars live in a second ViewBox sharing the x axis, the usual pyqtgraph twin-axis set-up.
Days are drawn at local noon, so a bar sits in the middle of its date on the date axis.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from taskrun_gui.storage.trends_repo import DayRate
from taskrun_gui.ui.trends.chart_style import make_plot, style_plot
from taskrun_gui.ui.widgets.elided_label import ElidedLabel

DAY_S = 86400.0
_RATE = "#16A34A"
_BARS = QColor(100, 116, 139, 70)  # slate, faint: the counts are context, the rate is the news


RATE_RANGE = (-6.0, 110.0)


def count_step(top: float) -> float:
    """A whole-number tick step giving two to five ticks up to `top` runs."""
    step = 1.0
    while top / step > 5:
        step *= 2.5 if str(int(step)).startswith("2") else 2
    return step


def day_x(day: str) -> float:
    """Local noon of a 'YYYY-MM-DD' day, in epoch seconds."""
    return time.mktime(time.strptime(day, "%Y-%m-%d")) + DAY_S / 2


class SuccessChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot()
        self.item = self.plot.getPlotItem()
        self.item.setLabel("left", "success", units="%")
        self.item.getAxis("left").enableAutoSIPrefix(False)
        # room above 100 % and below 0 %: the line at 100 % is not drawn on the frame and the
        # "100" tick is not clipped at the top
        self.item.setYRange(RATE_RANGE[0], RATE_RANGE[1], padding=0)
        self.item.enableAutoRange(axis="y", enable=False)
        self.item.getAxis("left").setTickSpacing(20, 10)
        self.item.getAxis("right").setStyle(showValues=True)
        self.item.setLabel("right", "runs per day")
        self.count_view = pg.ViewBox()
        self.count_view.setMouseEnabled(x=False, y=False)
        self.item.scene().addItem(self.count_view)
        self.item.getAxis("right").linkToView(self.count_view)
        self.count_view.setXLink(self.item.getViewBox())
        self.count_view.setZValue(-100)
        self.bars = pg.BarGraphItem(x=[], height=[], width=DAY_S * 0.8, brush=_BARS, pen=None)
        self.count_view.addItem(self.bars)
        self.rate_curve = self.item.plot(
            pen=pg.mkPen(_RATE, width=2),
            symbol="o",
            symbolSize=5,
            symbolBrush=_RATE,
            symbolPen=None,
            connect="finite",
        )
        self.hover_label = ElidedLabel(" ")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.hover_label)
        self._days: list[DayRate] = []
        self._x = np.zeros(0)
        self.item.getViewBox().sigResized.connect(self._on_view_resized)
        self.plot.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        style_plot(self.plot, self.palette(), extra_axes=("right",))

    def set_data(self, days: list[DayRate]) -> None:
        self._days = list(days)
        self._x = np.array([day_x(d.day) for d in days], dtype=np.float64)
        rates = np.array(
            [np.nan if d.success_rate is None else d.success_rate * 100 for d in days],
            dtype=np.float64,
        )
        counts = np.array([d.runs for d in days], dtype=np.float64)
        self.rate_curve.setData(self._x, rates)
        self.bars.setOpts(x=self._x, height=counts, width=DAY_S * 0.8)
        top = max(float(counts.max()) if len(counts) else 1.0, 1.0)
        step = count_step(top)
        self.count_view.setYRange(0, top * 1.1 + step * 0.2, padding=0)
        self.item.getAxis("right").setTickSpacing(step, step)  # whole runs, not 0.2 of one
        self.hover_label.setText(" ")

    def rates(self) -> tuple[np.ndarray, np.ndarray]:
        """The drawn (x, rate %) data."""
        x, y = self.rate_curve.getOriginalDataset()
        return (np.zeros(0), np.zeros(0)) if x is None else (x, y)

    def counts(self) -> list[float]:
        return [float(h) for h in self.bars.opts.get("height", [])]

    def text_at(self, x: float) -> str:
        """The day under x (epoch seconds): date, runs and success rate."""
        if not len(self._x):
            return ""
        index = int(np.argmin(np.abs(self._x - x)))
        if abs(self._x[index] - x) > DAY_S / 2:
            return ""
        day = self._days[index]
        rate = "no finished run" if day.success_rate is None else f"{day.success_rate:.0%} success"
        runs = "1 run" if day.runs == 1 else f"{day.runs} runs"
        return f"{day.day} · {runs} · {rate}"

    def _on_view_resized(self) -> None:
        view = self.item.getViewBox()
        self.count_view.setGeometry(view.sceneBoundingRect())
        self.count_view.linkedViewChanged(view, self.count_view.XAxis)

    def _on_scene_mouse_moved(self, pos: QPointF) -> None:
        view = self.item.getViewBox()
        if view.sceneBoundingRect().contains(pos):
            self.hover_label.setText(self.text_at(view.mapSceneToView(pos).x()) or " ")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            style_plot(self.plot, self.palette(), extra_axes=("right",))
        super().changeEvent(event)
