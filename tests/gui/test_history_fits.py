"""The history table fits the window at 1280 and 1024 px: Error, Peak RSS and CPU are in
view without horizontal scrolling; Queued steps aside only when needed and comes back."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from pytestqt.qtbot import QtBot

from taskrun_gui.ui.history.history_columns import Col
from taskrun_gui.ui.main_window import TAB_LOGS, MainWindow
from tests.gui.test_main_window import ctx, window  # noqa: F401


def in_view(win: MainWindow, col: Col) -> bool:
    table = win.history_tab.table
    header = table.horizontalHeader()
    left = header.sectionViewportPosition(col)
    section = QRect(left, 0, header.sectionSize(col), 1)
    return not header.isSectionHidden(col) and table.viewport().rect().contains(section)


@pytest.mark.parametrize("width", [1280, 1024])
def test_history_fits_without_horizontal_scrolling(
    qtbot: QtBot,
    window: MainWindow,  # noqa: F811
    width: int,
) -> None:
    window.tabs.setCurrentIndex(TAB_LOGS)
    window.resize(width, 700)
    table = window.history_tab.table
    qtbot.waitUntil(lambda: window.width() == width)
    qtbot.waitUntil(lambda: table.horizontalScrollBar().maximum() == 0)
    for col in (Col.ERROR, Col.PEAK_RSS, Col.CPU, Col.STARTED, Col.DURATION, Col.TASK):
        assert in_view(window, col), col
    header = table.horizontalHeader()
    assert header.sectionSize(Col.ERROR) >= table.fontMetrics().averageCharWidth() * 16

    window.resize(1600, 800)  # room again: every column back
    qtbot.waitUntil(lambda: window.width() == 1600)
    qtbot.waitUntil(lambda: not header.isSectionHidden(Col.QUEUED))
    assert in_view(window, Col.QUEUED) and in_view(window, Col.TRIGGER)
