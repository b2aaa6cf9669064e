"""Task x day calendar heat map: one row per task, one column per day, colour = success rate
(red 0 %, amber 50 %, green 100 %), grey = no runs. Hover tells task, day, rate and count;
clicking a row asks for that task.

The cells are one small QImage (a pixel per cell) drawn scaled, so a year of 50 tasks is one
drawImage call, not 18,000 rectangles.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QToolTip, QWidget

from taskrun_gui.storage.trends_repo import Heatmap

ROW_HEIGHT = 16
HEADER_HEIGHT = 18
MAX_LABEL_WIDTH = 180
_RED, _AMBER, _GREEN = QColor("#DC2626"), QColor("#F59E0B"), QColor("#16A34A")
_CANCELLED_ONLY = QColor("#94A3B8")


def rate_color(rate: float) -> QColor:
    """Red through amber to green."""
    low, high, t = (_RED, _AMBER, rate * 2) if rate < 0.5 else (_AMBER, _GREEN, rate * 2 - 1)
    return QColor(
        round(low.red() + (high.red() - low.red()) * t),
        round(low.green() + (high.green() - low.green()) * t),
        round(low.blue() + (high.blue() - low.blue()) * t),
    )


class HeatmapView(QWidget):
    task_clicked = Signal(int)  # task id
    cell_hovered = Signal(str)  # the hover text

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.heat = Heatmap([], [], [], [], [])
        self.selected_task: int | None = None
        self._image = QImage()
        self._columns: tuple[int, int] | None = None  # the charts' plot area, left to right

    def set_columns(self, left: int, right: int) -> None:
        """Draw the day columns between these x positions (the charts' plot area above), so
        the dates line up; the task names go in the room left of them."""
        columns = (left, right) if 40 <= left < right <= self.width() + 2 else None
        if columns != self._columns:
            self._columns = columns
            self.update()

    def set_data(self, heat: Heatmap) -> None:
        self.heat = heat
        self._image = self._render_cells()
        self.updateGeometry()
        self.update()

    def set_selected_task(self, task_id: int | None) -> None:
        self.selected_task = task_id
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(600, HEADER_HEIGHT + ROW_HEIGHT * max(len(self.heat.task_ids), 1) + 2)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, self.sizeHint().height())

    # -- geometry --------------------------------------------------------------------------
    def _label_width(self) -> int:
        widths = [self.fontMetrics().horizontalAdvance(n) for n in self.heat.task_names]
        return min(max(widths, default=40) + 12, MAX_LABEL_WIDTH)

    def _grid(self) -> QRect:
        rows = len(self.heat.task_ids)
        if self._columns is not None:
            left, right = self._columns
            return QRect(left, HEADER_HEIGHT, max(right - left, 1), rows * ROW_HEIGHT)
        left = self._label_width()
        return QRect(left, HEADER_HEIGHT, max(self.width() - left - 4, 1), rows * ROW_HEIGHT)

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        """(task row, day column) under a widget position, or None."""
        grid = self._grid()
        days = len(self.heat.days)
        if not days or not grid.contains(pos):
            return None
        row = (pos.y() - grid.top()) // ROW_HEIGHT
        col = int((pos.x() - grid.left()) * days / grid.width())
        if 0 <= row < len(self.heat.task_ids) and 0 <= col < days:
            return row, col
        return None

    def cell_center(self, row: int, col: int) -> QPoint:
        grid = self._grid()
        x = grid.left() + (col + 0.5) * grid.width() / len(self.heat.days)
        return QPoint(round(x), grid.top() + row * ROW_HEIGHT + ROW_HEIGHT // 2)

    def text_for(self, row: int, col: int) -> str:
        heat = self.heat
        rate, count = heat.rates[row][col], heat.counts[row][col]
        day = heat.days[col]
        if count == 0:
            return f"{heat.task_names[row]} · {day} · no runs"
        rate_text = "no finished run" if rate is None else f"{rate:.0%} success"
        runs = "1 run" if count == 1 else f"{count} runs"
        return f"{heat.task_names[row]} · {day} · {rate_text} · {runs}"

    # -- painting --------------------------------------------------------------------------
    def _render_cells(self) -> QImage:
        heat = self.heat
        if not heat.task_ids or not heat.days:
            return QImage()
        image = QImage(len(heat.days), len(heat.task_ids), QImage.Format.Format_ARGB32)
        empty = self.palette().color(QPalette.ColorRole.Midlight)
        for row, (rates, counts) in enumerate(zip(heat.rates, heat.counts, strict=True)):
            for col, (rate, count) in enumerate(zip(rates, counts, strict=True)):
                if count == 0:
                    color = empty
                elif rate is None:
                    color = _CANCELLED_ONLY
                else:
                    color = rate_color(rate)
                image.setPixelColor(col, row, color)
        return image

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        text = self.palette().color(QPalette.ColorRole.Text)
        heat = self.heat
        if not heat.task_ids:
            painter.setPen(text)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No runs in this range")
            return
        grid = self._grid()
        painter.drawImage(grid, self._image)
        painter.setPen(text)
        metrics = self.fontMetrics()
        for row, name in enumerate(heat.task_names):
            label = metrics.elidedText(name, Qt.TextElideMode.ElideRight, grid.left() - 8)
            top = grid.top() + row * ROW_HEIGHT
            painter.drawText(
                QRect(0, top, grid.left() - 6, ROW_HEIGHT),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                label,
            )
            if heat.task_ids[row] == self.selected_task:
                painter.drawRect(grid.left() - 1, top, grid.width() + 1, ROW_HEIGHT - 1)
        self._paint_month_ticks(painter, grid)

    def _paint_month_ticks(self, painter: QPainter, grid: QRect) -> None:
        """A label on the first day of each month (or each week for short ranges), skipping any
        that would touch the previous one."""
        days = self.heat.days
        weekly = len(days) <= 31
        last_right = -1
        for col, day in enumerate(days):
            date = dt.date.fromisoformat(day)
            if not (date.weekday() == 0 if weekly else date.day == 1):
                continue
            label = date.strftime("%d %b") if weekly else date.strftime("%b %Y")
            x = grid.left() + round(col * grid.width() / len(days))
            width = self.fontMetrics().horizontalAdvance(label)
            if x <= last_right + 8 or x + width > self.width():
                continue
            painter.drawLine(x, grid.top() - 4, x, grid.top() - 1)
            painter.drawText(x + 2, HEADER_HEIGHT - 6, label)
            last_right = x + width

    # -- mouse -----------------------------------------------------------------------------
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        cell = self.cell_at(event.position().toPoint())
        text = "" if cell is None else self.text_for(*cell)
        self.setToolTip(text)
        if text:
            QToolTip.showText(event.globalPosition().toPoint(), text, self)
        else:
            QToolTip.hideText()
        self.cell_hovered.emit(text)
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        cell = self.cell_at(event.position().toPoint())
        if cell is not None and event.button() == Qt.MouseButton.LeftButton:
            self.task_clicked.emit(self.heat.task_ids[cell[0]])
        super().mousePressEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._image = self._render_cells()
        super().changeEvent(event)
