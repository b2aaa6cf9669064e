"""Deleting a task from the Tasks tab cancels its queued runs (they ran on, under a name no
list shows any more); the run already going is left to end."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunStatus
from taskrun_gui.storage import runs_repo
from taskrun_gui.storage.runs_repo import RunFilter
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.main_window import TAB_TASKS
from tests.gui.test_main_window import ctx  # noqa: F401
from tests.helpers import add_task, shell_task, shown_window

WAIT = 15_000


def test_deleting_a_task_cancels_its_queued_runs(
    qtbot: QtBot,
    ctx: AppContext,  # noqa: F811
    tmp_path: Path,
) -> None:
    gate = tmp_path / "gate"
    line = f"while [ ! -e {gate} ]; do sleep 0.05; done"
    row = add_task(ctx.store, shell_task("gated", line, max_concurrent=1))
    with shown_window(qtbot, ctx) as window:
        try:
            window.tabs.setCurrentIndex(TAB_TASKS)
            tab = window.tasks_tab
            tab.model.reload_now()
            qtbot.waitUntil(lambda: tab.model.row_of(row.id) is not None, timeout=WAIT)
            first, *waiting = ctx.executor.enqueue(row.id, row.version, row.spec, repeat=3)
            qtbot.waitUntil(lambda: any(r.pid for r in ctx.executor.running()), timeout=WAIT)
            assert tab.select_task(row.id)
            tab.confirm = lambda _title, _text: True
            tab.delete_selected()

            def statuses() -> dict[str, RunStatus]:
                runs = runs_repo.page_before(RunFilter(task_id=row.id), None, 10)
                return {r.uid: r.status for r in runs}

            qtbot.waitUntil(
                lambda: all(statuses().get(r.uid) is RunStatus.CANCELLED for r in waiting),
                timeout=WAIT,
            )
            assert statuses()[first.uid] is RunStatus.RUNNING
            gate.touch()  # the first one ends
            qtbot.waitUntil(lambda: statuses()[first.uid] is RunStatus.SUCCESS, timeout=WAIT)
            assert not ctx.executor.queue()
        finally:
            gate.touch()  # nothing left waiting, whatever failed
