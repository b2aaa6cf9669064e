"""The history table fits the window at 1280 and 1024 px: Error, Peak RSS and CPU are in
view without horizontal scrolling; Queued steps aside only when needed and comes back; the
Status column shows every status's chip whole ("cancelled" was cut to "cancell…")."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunStatus
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.history.history_columns import Col
from taskrun_gui.ui.main_window import TAB_LOGS, MainWindow
from taskrun_gui.ui.widgets.status_delegate import StatusChipDelegate
from tests.gui.test_main_window import ctx, window  # noqa: F401
from tests.helpers import add_task, py_task


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


@pytest.mark.parametrize("width", [1280, 1024])
def test_the_status_column_shows_cancelled_whole(
    qtbot: QtBot,
    window: MainWindow,  # noqa: F811
    ctx: AppContext,  # noqa: F811
    width: int,
) -> None:
    row = add_task(ctx.store, py_task("sleepy", "import time; time.sleep(60)"))
    rec = ctx.executor.enqueue(row.id, row.version, row.spec)[0]
    ctx.executor.cancel(rec.uid)
    window.tabs.setCurrentIndex(TAB_LOGS)
    window.resize(width, 700)
    tab = window.history_tab
    table, header = tab.table, tab.table.horizontalHeader()
    qtbot.waitUntil(lambda: window.width() == width)

    def status_shown() -> str | None:
        r = tab.model.row_of_uid(rec.uid)
        return None if r is None else tab.model.data(tab.model.index(r, Col.STATUS))

    qtbot.waitUntil(lambda: status_shown() == "cancelled", timeout=15_000)
    # what the chip needs, as the table measures it ("resize to contents")
    assert header.sectionSize(Col.STATUS) >= table.sizeHintForColumn(Col.STATUS)

    every = QStandardItemModel(0, 1)  # each status's chip, in the same font and delegate
    for status in RunStatus:
        every.appendRow(QStandardItem(str(status)))
    chips = QTableView()
    qtbot.addWidget(chips)
    chips.setFont(table.font())
    chips.setShowGrid(table.showGrid())  # a grid line would add a pixel
    chips.setModel(every)
    chips.setItemDelegateForColumn(0, StatusChipDelegate(chips))
    assert header.sectionSize(Col.STATUS) >= chips.sizeHintForColumn(0)
