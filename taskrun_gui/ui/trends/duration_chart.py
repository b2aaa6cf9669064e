"""Duration per run: points coloured by status, slow runs ringed, a rolling median and p95 band,
script versions and duration shifts marked on the time axis. Clicking a point opens its run.

Every item is made once; a new scope calls setData. The marks come from small pools of
InfiniteLines that are shown, moved and relabelled (a scope has a handful of versions).
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QSignalBlocker, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QToolTip, QVBoxLayout, QWidget

from taskrun_gui.core.models import RunStatus
from taskrun_gui.core.timefmt import human_duration
from taskrun_gui.ui.theme import is_dark, status_color
from taskrun_gui.ui.trends.chart_style import (
    LABEL_GAP,
    MarkPool,
    label_height,
    make_plot,
    style_plot,
)
from taskrun_gui.ui.trends.stats_panel import versions_text
from taskrun_gui.ui.trends.trend_data import ROLLING_WINDOW, TrendsData, display
from taskrun_gui.ui.widgets.elided_label import ElidedLabel

STATUSES = tuple(s for s in RunStatus if s.is_timed)
HOVER_PIXELS = 10
_BELOW_ZERO = 12  # pixels under the 0 line: the shortest runs' dots and the "0 ms" tick whole
MIN_TICKS, MAX_TICKS = 2, 8  # ticks on the duration axis, whatever the range
NO_DATA = "No finished runs with a duration in this range"
_BAND = "#3B82F6"
_SLOW = "#F59E0B"
VERSION_COLOR = "#8B5CF6"
_SHIFT = "#EF4444"
_NICE_STEPS = (
    *(m / 1000 for m in (1, 2, 5, 10, 20, 50, 100, 200, 500)),
    *(1, 2, 5, 10, 15, 30),
    *(60 * m for m in (1, 2, 5, 10, 15, 30)),
    *(3600 * h for h in (1, 2, 3, 6, 12, 24)),
)


class _DurationAxis(pg.AxisItem):  # type: ignore[misc]
    """Seconds shown as 850 ms, 12.5 s, 3m 05s, 1h 20m (no SI prefixes: "3.6 ks" helps nobody)."""

    def __init__(self) -> None:
        super().__init__("left")
        self.enableAutoSIPrefix(False)

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        """Whole seconds, minutes or hours, about one tick per 50 pixels."""
        span = maxVal - minVal
        wanted = span / max(size / 50.0, 1.0)
        fitting = [s for s in _NICE_STEPS if s >= wanted]
        if not fitting or span <= 0:
            return list(super().tickSpacing(minVal, maxVal, size))
        step = fitting[0]
        smaller = [s for s in _NICE_STEPS if s < step and span / s <= MAX_TICKS]
        if span / step < MIN_TICKS and smaller:  # one lonely "500 ms" tick: take a finer step
            step = smaller[-1]
        return [(step, 0.0)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [human_duration(v) if v >= 0 else "" for v in values]


class DurationChart(QWidget):
    run_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot(left=_DurationAxis())
        self.item = self.plot.getPlotItem()
        self.item.setLabel("left", "duration")
        dash = pg.QtCore.Qt.PenStyle.DashLine
        self.band_top = self.item.plot(pen=pg.mkPen(_BAND, width=1, style=dash), name="p95")
        self.median = self.item.plot(pen=pg.mkPen(_BAND, width=2), name="median (20 runs)")
        # between the curves the items draw: they are clipped to the view again when the
        # range moves, and only they say so (a fill of the items kept the old range's span)
        self.band = pg.FillBetweenItem(
            self.median.curve, self.band_top.curve, brush=QColor(59, 130, 246, 45)
        )
        self.item.addItem(self.band)
        self.points: dict[str, pg.PlotDataItem] = {}
        for status in STATUSES:
            points = self.item.plot(
                pen=None,
                symbol="o",
                symbolSize=6,
                symbolPen=None,
                name=str(status),
                antialias=False,  # thousands of 6 px dots: no visible gain, a real cost
            )
            points.sigPointsClicked.connect(self._on_points_clicked)
            self.points[str(status)] = points
        self.slow_points = self.item.plot(
            pen=None,
            symbol="o",
            symbolSize=13,
            symbolBrush=None,
            symbolPen=pg.mkPen(_SLOW, width=2),
            name="slow run",
        )
        self.slow_points.sigPointsClicked.connect(self._on_points_clicked)
        # version labels in the top row of a band above the data, duration shifts under them
        self.version_marks = MarkPool(self.item, VERSION_COLOR, row=0)
        self.shift_marks = MarkPool(self.item, _SHIFT, row=1, dashed=True)
        self.no_data = pg.TextItem(NO_DATA, anchor=(0.5, 0.5))
        view = self.item.getViewBox()
        self.no_data.setParentItem(view)
        self.no_data.hide()
        view.sigResized.connect(self._place_no_data)
        view.sigResized.connect(self._fit_y)
        view.sigXRangeChanged.connect(self._place_labels)
        self.hover_label = ElidedLabel(" ")  # never widens the window (see ElidedLabel)
        self.hover_label.setObjectName("trendsDurationHover")
        self.legend_label = QLabel()
        self.legend_label.setWordWrap(True)  # wraps at a narrow window instead of widening it
        self._sampled = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.legend_label)
        layout.addWidget(self.hover_label)
        self._x = self._y = np.zeros(0)
        self._ids = np.zeros(0, dtype=np.int64)
        self._statuses: list[str] = []
        self._versions: dict[int, int] = {}
        self._top = 0.0  # the longest duration or p95 drawn
        self.plot.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        self._apply_palette()

    # -- data ------------------------------------------------------------------------------
    def set_data(self, data: TrendsData) -> None:
        series = data.series
        shown = data.display or display(series, data.rolling, data.slow)  # made on the worker
        self._x, self._y, self._ids = shown.x, shown.y, shown.ids
        self._statuses = series.statuses
        if series.sampled != self._sampled:
            self._sampled = series.sampled
            self._set_legend()
        empty = np.zeros(0)
        for status, item in self.points.items():
            item.setData(*shown.points.get(status, (empty, empty)))
        self.slow_points.setData(*shown.slow)
        with QSignalBlocker(self.median.curve):  # the band's outline is rebuilt once, not twice
            self.median.setData(shown.band.x, shown.band.p50)
        self.band_top.setData(shown.band.x, shown.band.p95)
        self.band.setVisible(len(shown.band.x) > 1)  # an empty outline keeps its old fill
        one_task = data.scope.task_id is not None
        self.version_marks.set_marks(
            [
                (
                    v.created_at / 1000.0,
                    f"v{v.number}" if one_task else f"{v.task_name} v{v.number}",
                )
                for v in data.versions
            ]
        )
        self.shift_marks.set_marks(
            [
                (s.at_ms / 1000.0, f"{_ratio(s.before_ms, s.after_ms)}{versions_text(s)}")
                for s in data.shifts
            ]
        )
        self.hover_label.setText(" ")
        self.no_data.setVisible(not len(shown.x))
        self._top = max(_peak(shown.y), _peak(shown.band.p95))
        self._fit_y()

    def _fit_y(self) -> None:
        """From 0 to the longest run or p95, and above it the band the marks' labels sit in
        (one row for versions, two with duration shifts), so no label covers a point."""
        if not len(self._x):  # no points to range over: a plain 0 to 1 s axis under the message
            self.item.setYRange(0, 1, padding=0)
            self._place_labels()
            return
        rows = 1 if self.version_marks.visible_marks() else 0
        if self.shift_marks.visible_marks():
            rows = 2  # their row is under the versions'
        band = rows * (label_height() + LABEL_GAP) + LABEL_GAP
        height = self.item.getViewBox().sceneBoundingRect().height()
        share = min(band / height, 0.5) if height > 0 else 0.3
        below = min(_BELOW_ZERO / height, 0.15) if height > 0 else 0.05  # "0 ms" shows whole
        span = (self._top if self._top > 0 else 1.0) * 1.04 / (1 - share - below)
        self.item.setYRange(-below * span, (1 - below) * span, padding=0)
        self._place_labels()

    def _place_labels(self) -> None:
        self.version_marks.place_labels()
        self.shift_marks.place_labels()

    def _place_no_data(self) -> None:
        self.no_data.setPos(self.item.getViewBox().boundingRect().center())

    def point_of(self, run_id: int) -> tuple[float, float]:
        """Where a run is drawn (epoch seconds, seconds)."""
        (index,) = np.flatnonzero(self._ids == run_id)[:1]
        return float(self._x[index]), float(self._y[index])

    # -- hover and click -------------------------------------------------------------------
    def text_at(self, x: float, y: float) -> str:
        """What hovering at view coordinates (x, y) shows: the nearest run within a few
        pixels, or nothing."""
        index = self._nearest(x, y)
        if index is None:
            return ""
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self._x[index]))
        return (
            f"Run #{self._ids[index]} · {self._statuses[index]} · "
            f"{human_duration(float(self._y[index]))} · finished {when} · click to open its log"
        )

    def _nearest(self, x: float, y: float) -> int | None:
        if not len(self._x):
            return None
        px, py = self.item.getViewBox().viewPixelSize()
        if px <= 0 or py <= 0:
            return None
        dist = ((self._x - x) / px) ** 2 + ((self._y - y) / py) ** 2
        index = int(np.argmin(dist))
        return index if dist[index] <= HOVER_PIXELS**2 else None

    def _on_scene_mouse_moved(self, pos: QPointF) -> None:
        view = self.item.getViewBox()
        if not view.sceneBoundingRect().contains(pos):
            return
        point = view.mapSceneToView(pos)
        text = self.text_at(point.x(), point.y())
        self.hover_label.setText(text or " ")
        if text:  # the whole text at the pointer, as the heat map does
            where = self.plot.mapToGlobal(self.plot.mapFromScene(pos))
            QToolTip.showText(where, text, self.plot)
        else:
            QToolTip.hideText()

    def _on_points_clicked(self, _item: object, points: list[object], ev: object) -> None:
        """Close points overlap at a wide range: open the run nearest the click itself."""
        index: int | None = None
        click = getattr(ev, "pos", None)
        if callable(click):
            index = self._nearest(click().x(), click().y())
        if index is None and len(points):
            pos = points[0].pos()  # type: ignore[attr-defined]
            exact = np.flatnonzero((self._x == pos.x()) & (self._y == pos.y()))
            index = int(exact[0]) if len(exact) else self._nearest(pos.x(), pos.y())
        if index is not None:
            self.run_clicked.emit(int(self._ids[index]))

    # -- look ------------------------------------------------------------------------------
    def _apply_palette(self) -> None:
        style_plot(self.plot, self.palette())
        dark = is_dark(self.palette())
        self.no_data.setColor(self.palette().color(self.palette().ColorRole.PlaceholderText))
        for status, item in self.points.items():
            item.setSymbolBrush(status_color(status, dark))
        for pool in (self.version_marks, self.shift_marks):
            pool.restyle()
        self._set_legend()

    def _set_legend(self) -> None:
        """Under the plot (inside it would cover points and version labels). A sampled
        series' band is of the runs read, not of the last 20 runs."""
        dark = is_dark(self.palette())
        keys = [
            f'<span style="color:{status_color(s, dark).name()}">●</span> {s}' for s in STATUSES
        ]
        runs = f"{ROLLING_WINDOW} sampled runs" if self._sampled else f"{ROLLING_WINDOW} runs"
        keys += [
            f'<span style="color:{_SLOW}">○</span> slow run',
            f'<span style="color:{_BAND}">━</span> median / ┅ p95 of {runs}',
            f'<span style="color:{VERSION_COLOR}">│</span> version',
            f'<span style="color:{_SHIFT}">┆</span> duration shift',
        ]
        self.legend_label.setText("&nbsp;&nbsp;".join(keys))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)


def _peak(values: np.ndarray) -> float:
    return float(np.max(values[np.isfinite(values)], initial=0.0))


def _ratio(before_ms: float, after_ms: float) -> str:
    if before_ms <= 0:
        return "shift"
    factor = after_ms / before_ms
    return f"{factor:.1f}x slower" if factor >= 1 else f"{1 / factor:.1f}x faster"
