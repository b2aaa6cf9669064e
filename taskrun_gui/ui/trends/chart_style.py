"""What the Trends charts share: a themed PlotWidget with a date axis, and a pool of marks."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette

LEFT_AXIS_WIDTH = 96  # fixed, with the right axis, so the two x-linked charts line up
RIGHT_AXIS_WIDTH = 56
MARK_LABEL_ROWS = 3  # neighbouring labels step down the line, so close marks stay readable


def make_plot(left: pg.AxisItem | None = None) -> pg.PlotWidget:
    """A PlotWidget with a date axis, clipping to view, and no menu or corner button. No
    automatic downsampling: what the charts draw is thinned on the worker already (see
    trend_data.display), and pyqtgraph's drew nothing when a few runs close together were
    shown in a wide view (its step came out larger than the number of points)."""
    axes: dict[str, pg.AxisItem] = {"bottom": pg.DateAxisItem()}
    if left is not None:
        axes["left"] = left
    plot = pg.PlotWidget(axisItems=axes)
    plot.setMinimumHeight(150)
    item = plot.getPlotItem()
    item.setMenuEnabled(False)
    item.hideButtons()
    item.showGrid(x=True, y=True, alpha=0.15)
    item.setClipToView(True)
    item.getViewBox().setMouseEnabled(x=True, y=False)  # wheel zooms time only
    item.getAxis("left").setWidth(LEFT_AXIS_WIDTH)
    item.showAxis("right")
    item.getAxis("right").setWidth(RIGHT_AXIS_WIDTH)
    item.getAxis("right").setStyle(showValues=False)
    return plot


def style_plot(plot: pg.PlotWidget, palette: QPalette, extra_axes: tuple[str, ...] = ()) -> None:
    """Background and axis colours from the palette (light and dark themes)."""
    plot.setBackground(palette.color(QPalette.ColorRole.Base))
    text = palette.color(QPalette.ColorRole.Text)
    item = plot.getPlotItem()
    for name in ("left", "bottom", *extra_axes):
        axis = item.getAxis(name)
        axis.setTextPen(text)
        axis.setPen(QColor(text.red(), text.green(), text.blue(), 90))
        axis.label.setDefaultTextColor(text)
    legend = item.legend
    if legend is not None:
        legend.setLabelTextColor(text)
        for _sample, label in legend.items:
            label.setText(label.text)


class MarkPool:
    """Vertical lines with a label, made on demand and reused: a new scope moves, relabels and
    hides lines instead of making new ones."""

    def __init__(
        self, plot: pg.PlotItem, color: str, label_at: float, dashed: bool = False
    ) -> None:
        self._plot = plot
        self._color = QColor(color)
        self._label_at = label_at
        self._dashed = dashed
        self.lines: list[pg.InfiniteLine] = []

    def set_marks(self, marks: list[tuple[float, str]]) -> None:
        """(x, label) per mark; earlier marks stay where they were drawn."""
        while len(self.lines) < len(marks):
            self.lines.append(self._make_line())
        for i, line in enumerate(self.lines):
            if i >= len(marks):
                line.hide()
                continue
            x, text = marks[i]
            line.show()
            line.label.format = text
            line.label.orthoPos = self._label_at - (i % MARK_LABEL_ROWS) * 0.09
            line.setValue(x)
            line.label.valueChanged()

    def visible_marks(self) -> list[tuple[float, str]]:
        return [(float(line.value()), line.label.format) for line in self.lines if line.isVisible()]

    def _make_line(self) -> pg.InfiniteLine:
        style = pg.QtCore.Qt.PenStyle.DashLine if self._dashed else pg.QtCore.Qt.PenStyle.SolidLine
        fill = QColor(255, 255, 255, 225)  # nearly opaque: labels may sit over points
        line = pg.InfiniteLine(
            angle=90,
            movable=False,
            pen=pg.mkPen(self._color, width=1.5, style=style),
            label="",
            labelOpts={
                "position": self._label_at,
                "color": self._color,
                "fill": fill,
                "border": pg.mkPen(self._color),
            },
        )
        self._plot.addItem(line, ignoreBounds=True)
        return line
