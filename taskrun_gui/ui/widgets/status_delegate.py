"""Run statuses as coloured chips with an icon, the same in every table (Tasks, History, the
steps of a run), and optionally a strip of the task's last runs after the chip.

The delegate reads the cell's display text ("failed", "running 12 s", "success (retry 2)"):
its first word picks the colour and icon, the whole text is drawn in the chip. A cell whose
text is no status (e.g. "never run") is drawn as plain, muted text. A model that returns a
sequence of statuses for RECENT_RUNS_ROLE gets the strip: one small bar per run, oldest left.
Painting is a few rounded rectangles and a cached pixmap per cell: no cost worth measuring.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from taskrun_gui.core.models import RunStatus
from taskrun_gui.ui.icons import icon_pixmap
from taskrun_gui.ui.theme import is_dark, status_color
from taskrun_gui.ui.widgets.style import blend

__all__ = ["RECENT_RUNS_ROLE", "StatusChipDelegate", "chip_cell_width", "status_key"]

RECENT_RUNS_ROLE = Qt.ItemDataRole.UserRole + 40  # Sequence[str] of statuses, oldest first
STRIP_RUNS = 8  # bars in the strip at most
_STATUSES = {str(s) for s in RunStatus}
_PAD_X, _ICON, _GAP = 7, 12, 4
_INSET = 4  # between the cell's edge and the chip, each side
_BAR_W, _BAR_GAP = 5, 2

_Index = QModelIndex | QPersistentModelIndex


def status_key(text: str) -> str | None:
    """The run status a cell's text starts with, or None."""
    word = text.split(" ", 1)[0].strip().lower() if text else ""
    return word if word in _STATUSES else None


def chip_cell_width(metrics: QFontMetrics, text: str) -> int:
    """How wide a cell must be to show the chip of `text` whole (icon, padding and the
    cell's insets included): a column sized for its longest status uses this."""
    return 2 * _INSET + _PAD_X * 2 + _ICON + _GAP + metrics.horizontalAdvance(text)


class StatusChipDelegate(QStyledItemDelegate):
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""  # the style draws background, selection and focus; the chip is ours
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        dark = is_dark(opt.palette)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        chip_right = self._paint_chip(painter, opt, text, dark)
        recent = index.data(RECENT_RUNS_ROLE)
        if isinstance(recent, Sequence) and not isinstance(recent, str) and recent:
            self._paint_strip(painter, opt.rect, chip_right + 8, list(recent), dark)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        base = super().sizeHint(option, index)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        width = chip_cell_width(option.fontMetrics, text)
        recent = index.data(RECENT_RUNS_ROLE)
        if isinstance(recent, Sequence) and not isinstance(recent, str):
            width += 8 + min(len(recent), STRIP_RUNS) * (_BAR_W + _BAR_GAP)
        return QSize(max(base.width(), width), base.height())

    @staticmethod
    def _paint_chip(painter: QPainter, opt: QStyleOptionViewItem, text: str, dark: bool) -> int:
        """Draw the chip (or plain muted text) and return its right edge."""
        rect = opt.rect.adjusted(_INSET, 3, -_INSET, -3)
        metrics = opt.fontMetrics
        key = status_key(text)
        if key is None:
            painter.setPen(opt.palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignVCenter), text)
            return rect.left() + metrics.horizontalAdvance(text)
        color = status_color(key, dark)
        base = opt.palette.color(QPalette.ColorRole.Base)
        width = _PAD_X * 2 + _ICON + _GAP + metrics.horizontalAdvance(text)
        height = min(rect.height(), metrics.height() + 6)
        chip = QRectF(
            rect.left(), rect.center().y() - height / 2 + 1, min(width, rect.width()), height
        )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(blend(base, color, 0.30 if dark else 0.14))
        painter.drawRoundedRect(chip, height / 2, height / 2)
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        pixmap = icon_pixmap(key, color, round(_ICON * ratio))
        pixmap.setDevicePixelRatio(ratio)
        icon_top = round(chip.center().y() - _ICON / 2)
        painter.drawPixmap(round(chip.left()) + _PAD_X, icon_top, pixmap)
        text_left = round(chip.left()) + _PAD_X + _ICON + _GAP
        text_rect = QRect(
            text_left, round(chip.top()), round(chip.right()) - text_left, round(height)
        )
        painter.setPen(color)
        elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, text_rect.width())
        painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignVCenter), elided)
        return round(chip.right())

    @staticmethod
    def _paint_strip(
        painter: QPainter, cell: QRect, left: int, statuses: list[str], dark: bool
    ) -> None:
        """One bar per recent run, oldest left; a failure is a full-height bar, a success a
        shorter one, so the pattern reads even without colour."""
        shown = statuses[-STRIP_RUNS:]
        room = (cell.right() - 4 - left) // (_BAR_W + _BAR_GAP)
        shown = shown[-room:] if room > 0 else []
        full = min(cell.height() - 10, 16)
        bottom = cell.center().y() + full / 2
        painter.setPen(Qt.PenStyle.NoPen)
        for i, status in enumerate(shown):
            ok = status == RunStatus.SUCCESS
            height = full * (0.6 if ok else 1.0)
            color = QColor(status_color(status, dark))
            painter.setBrush(color)
            x = left + i * (_BAR_W + _BAR_GAP)
            painter.drawRoundedRect(QRectF(x, bottom - height, _BAR_W, height), 1.5, 1.5)
