"""The batch view (Logs tab → a batch run's details or context menu) against the real sshd:
one row per host with its live status, the selected host's output streaming in the log
viewer, and each host's success rate for the task once the runs end."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskrun_gui.storage import tasks_repo
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.history.batch_dialog import COL_EXIT, COL_HOST, COL_RATE, COL_STATUS
from taskrun_gui.ui.history.history_tab import HistoryTab
from tests.helpers import add_task, shell_task

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)


@pytest.fixture
def ctx(window_ctx: AppContext) -> AppContext:
    return window_ctx


def _line(go: Path) -> str:
    """Says it started, waits for `go`, then fails on db1 only."""
    return (
        f'echo "start $TASKRUN_HOST"; while [ ! -e {go} ]; do sleep 0.05; done; '
        f'echo "end $TASKRUN_HOST"; test "$TASKRUN_HOST" != db1'
    )


def test_a_batch_shows_one_live_row_per_host(qtbot, ctx, tmp_path) -> None:
    go = tmp_path / "go"
    add_task(ctx.store, shell_task("deploy", _line(go)))
    task = tasks_repo.get("deploy")
    tab = HistoryTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1200, 800)
    recs = ctx.executor.enqueue(
        task.id, task.version, task.spec, hosts=["web1", "web2", "db1"], parallel=3
    )
    batch = recs[0].batch
    assert batch and {r.batch for r in recs} == {batch}

    dialog = tab.show_batch(batch)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 3, timeout=30_000)
    assert [dialog.cell(r, COL_HOST) for r in range(3)] == ["web1", "web2", "db1"]
    qtbot.waitUntil(
        lambda: all(dialog.cell(r, COL_STATUS) == "running" for r in range(3)), timeout=30_000
    )
    assert "3 hosts: 3 running" in dialog.header.text()
    assert dialog.select_host("web2")
    qtbot.waitUntil(lambda: "start web2" in dialog.log_view.text(), timeout=30_000)
    assert "web1" not in dialog.log_view.text()

    go.touch()
    ended = ["success", "success", "failed"]  # each host's run ends in its own time
    qtbot.waitUntil(lambda: [dialog.cell(r, COL_STATUS) for r in range(3)] == ended, timeout=30_000)
    qtbot.waitUntil(lambda: dialog.cell(2, COL_RATE) != "", timeout=30_000)
    assert [dialog.cell(r, COL_EXIT) for r in range(3)] == ["0", "0", "1"]
    assert "3 hosts: 2 success, 1 failed" in dialog.header.text()
    qtbot.waitUntil(lambda: "end web2" in dialog.log_view.text(), timeout=30_000)
    qtbot.waitUntil(lambda: dialog.cell(0, COL_RATE) == "100% of 1", timeout=30_000)
    assert dialog.cell(2, COL_RATE) == "0% of 1"


def test_a_batch_run_opens_the_batch_from_details_and_menu(qtbot, ctx) -> None:
    add_task(ctx.store, shell_task("hello", 'echo "hi $TASKRUN_HOST"'))
    task = tasks_repo.get("hello")
    tab = HistoryTab(ctx)
    qtbot.addWidget(tab)
    with qtbot.waitSignal(ctx.executor.run_finished, timeout=30_000):
        [rec] = ctx.executor.enqueue(task.id, task.version, task.spec, hosts=["db1"])
    local = ctx.executor.enqueue(task.id, task.version, task.spec)[0]
    assert local.batch is None
    tab.details.show_run(rec)
    assert tab.details._form.isRowVisible(tab.details.batch_link)
    with qtbot.waitSignal(tab.details.batch_requested) as asked:
        tab.details.batch_link.linkActivated.emit("batch")
    assert asked.args == [rec.batch]
    menu = tab.run_actions.build_menu(rec, [rec], tab.compare)
    [show] = [a for a in menu.actions() if a.objectName() == "Show batch"]
    assert show.isEnabled()
    show.trigger()
    assert tab.batch_dialog is not None and tab.batch_dialog.batch == rec.batch
    qtbot.waitUntil(lambda: tab.batch_dialog.cell(0, COL_STATUS) == "success", timeout=30_000)
    qtbot.waitUntil(lambda: "hi db1" in tab.batch_dialog.log_view.text(), timeout=30_000)
    tab.details.show_run(local)
    assert not tab.details._form.isRowVisible(tab.details.batch_link)
    menu = tab.run_actions.build_menu(local, [local], tab.compare)
    [show] = [a for a in menu.actions() if a.objectName() == "Show batch"]
    assert not show.isEnabled()
    tab.batch_dialog.close()
