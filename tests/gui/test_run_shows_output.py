"""Run takes the user to the output: the Logs tab opens with the new run selected and its
live log; running rows show a ticking elapsed time in Tasks and History."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunStatus
from taskrun_gui.ui.history.history_columns import Col
from taskrun_gui.ui.main_window import TAB_LOGS, MainWindow
from taskrun_gui.ui.tasks import task_table_model as ttm
from tests.gui.test_main_window import ctx, window  # noqa: F401
from tests.helpers import add_task, py_task


def test_run_opens_the_live_log_and_ticks(
    qtbot: QtBot,
    window: MainWindow,  # noqa: F811
    ctx,  # noqa: F811
    tmp_path: Path,
) -> None:
    gate = tmp_path / "go"
    code = (
        "import os, time\nprint('warming up', flush=True)\n"
        f"while not os.path.exists({str(gate)!r}): time.sleep(0.05)\nprint('done')"
    )
    row = add_task(ctx.store, py_task("live", code))
    window.tasks_tab.model.reload_now()
    qtbot.waitUntil(lambda: window.tasks_tab.select_task(row.id), timeout=10_000)

    window.tasks_tab.actions_.run.trigger()  # the toolbar's Run, Ctrl+R and the tray's
    assert window.tabs.currentIndex() == TAB_LOGS
    history = window.history_tab
    qtbot.waitUntil(
        lambda: history.details.record is not None and history.details.record.task_id == row.id,
        timeout=10_000,
    )
    qtbot.waitUntil(lambda: "warming up" in history.log_view.text(), timeout=10_000)

    def duration_cell() -> str:
        r = history.table.currentIndex().row()
        return str(history.model.data(history.model.index(r, Col.DURATION)))

    qtbot.waitUntil(
        lambda: (
            history.model.run_at(history.table.currentIndex().row()).status is RunStatus.RUNNING
        ),
        timeout=10_000,
    )
    qtbot.waitUntil(lambda: duration_cell().endswith("…"), timeout=10_000)
    first = duration_cell()
    qtbot.waitUntil(lambda: duration_cell() != first, timeout=5_000)  # it ticks
    tasks = window.tasks_tab.model
    task_row = tasks.row_of(row.id)
    assert task_row is not None
    assert str(tasks.data(tasks.index(task_row, ttm.COL_DURATION))).endswith("…")

    gate.write_text("")
    qtbot.waitUntil(lambda: "done" in history.log_view.text(), timeout=10_000)
    qtbot.waitUntil(lambda: not duration_cell().endswith("…"), timeout=10_000)
