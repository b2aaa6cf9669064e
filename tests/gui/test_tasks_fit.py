"""The Tasks table fits the window at 1024 px: no sideways scrolling, the next run in view;
the columns that gave way are back to their widths when the window is wide again. Name takes
the spare room of a wide window; the other columns are as wide as their text."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QHeaderView
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import TaskSpec
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.main_window import TAB_TASKS
from taskrun_gui.ui.tasks.task_table_model import COL_NAME, COL_NEXT, COL_STATUS, COL_TAGS
from tests.gui.test_main_window import ctx  # noqa: F401
from tests.helpers import add_task, shown_window


def test_the_tasks_table_fits_1024_px(qtbot: QtBot, ctx: AppContext) -> None:  # noqa: F811
    add_task(ctx.store, TaskSpec(name="nightly-backup", command="true", tags=["ops"]))
    with shown_window(qtbot, ctx) as window:
        window.tabs.setCurrentIndex(TAB_TASKS)  # whichever tab an earlier window left saved
        table = window.tasks_tab.table
        header = table.horizontalHeader()
        window.resize(1600, 800)  # wide first, whatever size an earlier window left saved
        qtbot.waitUntil(lambda: table.isVisible() and table.viewport().width() > 1500)
        wide = {c: header.sectionSize(c) for c in (COL_NAME, COL_TAGS, COL_STATUS)}
        window.resize(1024, 700)
        qtbot.waitUntil(lambda: table.viewport().width() < 1024)
        qtbot.waitUntil(lambda: table.horizontalScrollBar().maximum() == 0)
        left = header.sectionViewportPosition(COL_NEXT)
        assert table.viewport().rect().contains(QRect(left, 0, 60, 1))  # the next run in view
        assert header.sectionSize(COL_STATUS) == wide[COL_STATUS]  # the chips keep their room
        window.resize(1600, 800)
        qtbot.waitUntil(lambda: header.sectionSize(COL_NAME) == wide[COL_NAME])
        assert header.sectionSize(COL_TAGS) == wide[COL_TAGS]


LONG_NAME = "nightly-backup-of-the-photos-and-the-documents"


def test_name_takes_the_spare_room_and_next_run_fits_its_text(
    qtbot: QtBot,
    ctx: AppContext,  # noqa: F811
) -> None:
    """At 1440 px a long name shows whole; Next run, empty for every task, is only as wide
    as its header, also after a header state saved when Next run stretched is restored."""
    add_task(ctx.store, TaskSpec(name=LONG_NAME, command="true", tags=["ops"]))
    stretched_last = QHeaderView(Qt.Orientation.Horizontal)
    stretched_last.setModel(QStandardItemModel(0, COL_NEXT + 1))
    stretched_last.setStretchLastSection(True)
    ctx.settings.setValue("tasks/header", stretched_last.saveState())
    with shown_window(qtbot, ctx) as window:
        window.tabs.setCurrentIndex(TAB_TASKS)
        window.resize(1440, 900)
        table = window.tasks_tab.table
        header = table.horizontalHeader()
        qtbot.waitUntil(lambda: table.isVisible() and table.viewport().width() > 1300)
        qtbot.waitUntil(lambda: window.tasks_tab.proxy.rowCount() == 1)
        index = window.tasks_tab.proxy.index(0, COL_NAME)
        needed = table.sizeHintForIndex(index).width()
        qtbot.waitUntil(lambda: header.sectionSize(COL_NAME) >= needed)  # the name uncut
        assert header.sectionSize(COL_NEXT) <= header.sectionSizeHint(COL_NEXT) + 4
        assert table.horizontalScrollBar().maximum() == 0
        # the columns end at the table's right edge: nothing left blank, nothing cut
        right = header.sectionViewportPosition(COL_NEXT) + header.sectionSize(COL_NEXT)
        assert abs(right - table.viewport().width()) <= 2


def test_a_width_the_user_set_stays_through_a_search_and_a_restart(
    qtbot: QtBot,
    ctx: AppContext,  # noqa: F811
) -> None:
    add_task(ctx.store, TaskSpec(name="alpha", command="true", tags=["ops"]))
    add_task(ctx.store, TaskSpec(name="beta", command="true"))
    with shown_window(qtbot, ctx) as window:
        window.tabs.setCurrentIndex(TAB_TASKS)
        window.resize(1440, 900)
        tab = window.tasks_tab
        header = tab.table.horizontalHeader()
        qtbot.waitUntil(lambda: tab.proxy.rowCount() == 2)
        header.resizeSection(COL_TAGS, 200)  # as a drag of the header's edge does
        tab.search.setText("al")
        qtbot.waitUntil(lambda: tab.proxy.rowCount() == 1)
        tab.search.clear()
        qtbot.waitUntil(lambda: tab.proxy.rowCount() == 2)
        assert header.sectionSize(COL_TAGS) == 200
        with qtbot.waitSignal(tab.model.loaded, timeout=15_000):  # every cell drawn again
            tab.model.reload_now()
        assert header.sectionSize(COL_TAGS) == 200
        fitted = header.sectionSize(COL_STATUS)
    add_task(ctx.store, TaskSpec(name="gamma", command="true", tags=["a-much-longer-tag"]))
    with shown_window(qtbot, ctx) as window:  # the window saved its layout as it closed
        window.tabs.setCurrentIndex(TAB_TASKS)
        window.resize(1440, 900)
        tab = window.tasks_tab
        qtbot.waitUntil(lambda: tab.proxy.rowCount() == 3)
        header = tab.table.horizontalHeader()
        assert header.sectionSize(COL_TAGS) == 200  # the user's, though the tags are longer
        assert header.sectionSize(COL_STATUS) == fitted  # not the user's: fitted again
