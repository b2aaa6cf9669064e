"""The Tasks table fits the window at 1024 px: no sideways scrolling, the next run in view;
the columns that gave way are back to their widths when the window is wide again."""

from __future__ import annotations

from PySide6.QtCore import QRect
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
