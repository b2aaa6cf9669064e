"""Ctrl+P (pause/resume) and Ctrl+. (stop) on the Logs tab act on the selected run, as its
context menu does: Ctrl+R takes the user there with the new run selected, and the keys that
worked on the Tasks tab must go on working (and still work there, never ambiguous: Qt would
warn, and a warning fails the test)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunStatus
from taskrun_gui.storage import runs_repo
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.history.history_columns import Col
from taskrun_gui.ui.main_window import TAB_LOGS, TAB_TASKS, MainWindow
from tests.gui.test_keyboard_and_fonts import CTRL, Key, _press, ctx, window  # noqa: F401
from tests.helpers import add_task, gone, py_task

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)
WAIT = 15_000


def test_ctrl_p_and_ctrl_period_act_on_the_selected_run_in_logs(
    qtbot: QtBot,
    window: MainWindow,  # noqa: F811
    ctx: AppContext,  # noqa: F811
) -> None:
    row = add_task(ctx.store, py_task("sleepy", "import time; time.sleep(60)"))
    tasks, history = window.tasks_tab, window.history_tab
    window.tabs.setCurrentIndex(TAB_TASKS)
    tasks.model.reload_now()
    qtbot.waitUntil(lambda: tasks.select_task(row.id), timeout=WAIT)
    tasks.table.setFocus()
    _press(qtbot, Key.Key_R, CTRL)  # Run: the Logs tab, the new run selected
    qtbot.waitUntil(lambda: window.tabs.currentIndex() == TAB_LOGS, timeout=WAIT)
    qtbot.waitUntil(lambda: history.details.record is not None, timeout=WAIT)
    uid = history.details.record.uid

    def shown() -> str | None:
        r = history.table.currentIndex().row()
        rec = history.model.run_at(r)
        if rec is None or rec.uid != uid:
            return None
        return str(history.model.data(history.model.index(r, Col.STATUS)))

    qtbot.waitUntil(lambda: shown() == "running", timeout=WAIT)
    pid = next(r.pid for r in ctx.executor.running() if r.uid == uid and r.pid)
    assert history.isAncestorOf(QApplication.focusWidget())  # the keys land in the tab

    _press(qtbot, Key.Key_P, CTRL)
    qtbot.waitUntil(lambda: shown() == "paused", timeout=WAIT)
    _press(qtbot, Key.Key_P, CTRL)
    qtbot.waitUntil(lambda: shown() == "running", timeout=WAIT)

    history.log_view.search_bar().focus_query()  # anywhere in the tab: the log's find field
    with qtbot.waitSignal(ctx.executor.run_finished, timeout=WAIT) as finished:
        _press(qtbot, Key.Key_Period, CTRL)
    assert finished.args[0].uid == uid and finished.args[0].status is RunStatus.CANCELLED
    qtbot.waitUntil(lambda: shown() == "cancelled", timeout=WAIT)
    qtbot.waitUntil(lambda: gone(pid), timeout=WAIT)
    assert ctx.writer.flush(10)
    stored = runs_repo.get_by_uid(uid)
    assert stored is not None and stored.status is RunStatus.CANCELLED


def test_the_tasks_tab_keeps_its_own_ctrl_p(
    qtbot: QtBot,
    window: MainWindow,  # noqa: F811
    ctx: AppContext,  # noqa: F811
) -> None:
    row = add_task(ctx.store, py_task("sleepy", "import time; time.sleep(60)"))
    tasks = window.tasks_tab
    window.tabs.setCurrentIndex(TAB_LOGS)  # the Logs tab built: its keys exist
    qtbot.waitUntil(lambda: window.history_tab.isVisible())
    window.tabs.setCurrentIndex(TAB_TASKS)
    tasks.model.reload_now()
    qtbot.waitUntil(lambda: tasks.select_task(row.id), timeout=WAIT)
    rec = ctx.executor.enqueue(row.id, row.version, row.spec)[0]
    qtbot.waitUntil(lambda: any(r.pid for r in ctx.executor.running()), timeout=WAIT)
    tasks.table.setFocus()
    qtbot.waitUntil(lambda: tasks.actions_.pause.isEnabled(), timeout=WAIT)
    _press(qtbot, Key.Key_P, CTRL)
    qtbot.waitUntil(
        lambda: any(r.status is RunStatus.PAUSED for r in ctx.executor.running()), timeout=WAIT
    )
    with qtbot.waitSignal(ctx.executor.run_finished, timeout=WAIT):
        _press(qtbot, Key.Key_Period, CTRL)
    assert ctx.writer.flush(10)
    stored = runs_repo.get_by_uid(rec.uid)
    assert stored is not None and stored.status is RunStatus.CANCELLED
