"""What the Trends charts share: a themed PlotWidget with a date axis, and a pool of marks."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QFontMetrics, QPalette
from PySide6.QtWidgets import QApplication

LEFT_AXIS_WIDTH = 96  # fixed, with the right axis, so the two x-linked charts line up
RIGHT_AXIS_WIDTH = 56
LABEL_GAP = 4  # pixels between mark labels, and above the first row


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


def label_height() -> int:
    """The height of a mark's label (one line of the application font and its margins)."""
    return QFontMetrics(QApplication.font()).height() + 8


class MarkPool:
    """Vertical lines with a label, made on demand and reused: a new scope moves, relabels and
    hides lines instead of making new ones.

    The labels sit in a band at the top of the plot (the chart keeps its data below it), in
    row `row` of the band, beside their line: right of it in the left half of the plot, left
    of it in the right half, so none is cut at an edge. A label that would overlap a newer
    one is hidden (its line stays, its text as the line's tooltip)."""

    def __init__(self, plot: pg.PlotItem, color: str, row: int, dashed: bool = False) -> None:
        self._plot = plot
        self._color = QColor(color)
        self._row = row
        self._dashed = dashed
        self.lines: list[pg.InfiniteLine] = []

    def restyle(self) -> None:
        """The labels' background follows the theme (a white box in the dark one)."""
        for line in self.lines:
            line.label.fill = pg.mkBrush(_label_fill())
            line.label.update()

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
            line.setToolTip(text)
            line.setValue(x)
        self.place_labels()

    def visible_marks(self) -> list[tuple[float, str]]:
        return [(float(line.value()), line.label.format) for line in self.lines if line.isVisible()]

    def shown_labels(self) -> list[pg.InfLineLabel]:
        """The labels a user sees (of visible lines, not hidden as overlapping)."""
        return [line.label for line in self.lines if line.isVisible() and line.label.isVisible()]

    def place_labels(self) -> None:
        """Put each label in the band, newest first; hide those that would overlap a label
        already placed (call again when the view's size or time range changes)."""
        view = self._plot.getViewBox()
        area = view.sceneBoundingRect()
        height = area.height()
        if height <= 0:
            return
        middle = area.center().x()
        row_height = label_height() + LABEL_GAP
        centre = LABEL_GAP + row_height * self._row + label_height() / 2
        taken: list[tuple[float, float]] = []
        shown = [line for line in self.lines if line.isVisible()]
        for line in sorted(shown, key=lambda item: float(item.value()), reverse=True):
            label = line.label
            label.setText(label.format)
            x = view.mapViewToScene(QPointF(float(line.value()), 0)).x()
            width = label.textItem.boundingRect().width()
            left, right = (x - width, x) if x > middle else (x, x + width)
            free = all(right + LABEL_GAP <= a or left >= b + LABEL_GAP for a, b in taken)
            label.setVisible(free)
            if free:
                taken.append((left, right))
                label.orthoPos = max(0.0, 1.0 - centre / height)
                label.updatePosition()

    def _make_line(self) -> pg.InfiniteLine:
        style = pg.QtCore.Qt.PenStyle.DashLine if self._dashed else pg.QtCore.Qt.PenStyle.SolidLine
        fill = _label_fill()
        line = pg.InfiniteLine(
            angle=90,
            movable=False,
            pen=pg.mkPen(self._color, width=1.5, style=style),
            label="",
            labelOpts={
                "position": 0.95,
                "color": self._color,
                "fill": fill,
                "border": pg.mkPen(self._color),
            },
        )
        self._plot.addItem(line, ignoreBounds=True)
        return line


def _label_fill() -> QColor:
    """The window's base colour, nearly opaque: a label is easy to read on the grid."""
    fill = QColor(QApplication.palette().color(QPalette.ColorRole.Base))
    fill.setAlpha(225)
    return fill
