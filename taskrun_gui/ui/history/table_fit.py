"""The history table fits its width: at 1280 px and below no horizontal scrolling for Error,
Peak RSS and CPU. Error stretches over what is left (and elides); when even the usual widths
do not fit, wide columns come down to what their text needs, then the columns least needed
(Queued, Trigger: Started says when it ran) step aside, and come back when there is room.
The table has no column-hiding menu, so a hidden one of those is always this module's."""

from __future__ import annotations

from PySide6.QtWidgets import QTableView

from taskrun_gui.ui.history.history_columns import (
    ERROR_MIN_CHARS,
    NARROW_HIDDEN,
    Col,
    fitted_widths,
)


def _needed(table: QTableView, error_min: int) -> int:
    header = table.horizontalHeader()
    shown = [c for c in Col if c != Col.ERROR and not header.isSectionHidden(c)]
    return sum(header.sectionSize(c) for c in shown) + error_min


def fit_to_width(table: QTableView) -> None:
    """Make the columns fit the table's viewport (called on show and on resize)."""
    header = table.horizontalHeader()
    available = table.viewport().width()
    if available <= 0 or not table.isVisible():
        return
    metrics = table.fontMetrics()
    fitted = fitted_widths(metrics)
    error_min = metrics.averageCharWidth() * ERROR_MIN_CHARS
    if _needed(table, error_min) > available:
        for col, width in fitted.items():
            if header.sectionSize(col) > width:
                header.resizeSection(col, width)
    for col in NARROW_HIDDEN:
        if not header.isSectionHidden(col) and _needed(table, error_min) > available:
            header.hideSection(col)
    for col in reversed(NARROW_HIDDEN):
        room = available - _needed(table, error_min)
        if header.isSectionHidden(col) and room >= fitted[col]:
            header.showSection(col)
            header.resizeSection(col, fitted[col])
