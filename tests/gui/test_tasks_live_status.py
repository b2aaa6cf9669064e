"""The Tasks table's status chip of a task with a live run: "paused" while its run is paused
(as the Logs tab says), "running" again once it is resumed."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.main_window import TAB_TASKS
from taskrun_gui.ui.tasks.task_table_model import COL_RUNNING, COL_STATUS
from tests.gui.test_main_window import ctx  # noqa: F401
from tests.helpers import add_task, py_task, shown_window

WAIT = 15_000


def test_a_paused_run_shows_paused_in_the_tasks_table(qtbot: QtBot, ctx: AppContext) -> None:  # noqa: F811
    row = add_task(ctx.store, py_task("sleepy", "import time; time.sleep(60)"))
    with shown_window(qtbot, ctx) as window:
        window.tabs.setCurrentIndex(TAB_TASKS)
        tab, model = window.tasks_tab, window.tasks_tab.model
        model.reload_now()
        qtbot.waitUntil(lambda: model.row_of(row.id) is not None, timeout=WAIT)

        def cell(col: int) -> str:
            r = model.row_of(row.id)
            assert r is not None
            return str(model.data(model.index(r, col)))

        rec = ctx.executor.enqueue(row.id, row.version, row.spec)[0]
        qtbot.waitUntil(lambda: any(r.pid for r in ctx.executor.running()), timeout=WAIT)
        qtbot.waitUntil(lambda: cell(COL_STATUS) == "running", timeout=WAIT)
        assert tab.select_task(row.id)

        qtbot.waitUntil(lambda: tab.actions_.pause.isEnabled(), timeout=WAIT)
        tab.actions_.pause.trigger()
        qtbot.waitUntil(lambda: cell(COL_STATUS) == "paused", timeout=WAIT)
        assert cell(COL_RUNNING) == "1"  # still a live run: counted as running

        qtbot.waitUntil(lambda: tab.actions_.pause.text() == "Resume", timeout=WAIT)
        tab.actions_.pause.trigger()
        qtbot.waitUntil(lambda: cell(COL_STATUS) == "running", timeout=WAIT)

        ctx.executor.cancel(rec.uid)
        qtbot.waitUntil(lambda: cell(COL_STATUS) == "cancelled", timeout=WAIT)
