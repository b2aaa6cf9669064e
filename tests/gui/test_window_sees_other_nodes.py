"""A window on a shared PostgreSQL history sees the runs of other nodes as they change: a run
queued by one node for another, executed there, shows as it ends in this window's history
table and Tasks table, with every poll set to ten minutes (only the store's notifications
can tell the window in time)."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from taskrun_gui.ui.history.history_columns import Col
from taskrun_gui.ui.main_window import TAB_LOGS, TAB_TASKS, MainWindow
from taskrun_gui.ui.tasks.task_table_model import COL_STATUS
from tests.e2e.cli import taskrun
from tests.e2e.test_run_notices import listening
from tests.e2e.test_shared_nodes import Machines, _rows
from tests.helpers import add_task, app_context, shell_task, shown_window, wait_for
from tests.pg_server import PgServer

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)
WAIT = 30_000


@pytest.fixture
def beta(tmp_path: Path, pg_url: str) -> Iterator[Path]:
    """Node beta: a `taskrun daemon` on its own data dir, on the same history."""
    machines = Machines(pg_url, {"beta": tmp_path / "beta"}, {})
    try:
        machines.start("beta")
        yield machines.dirs["beta"]
    finally:
        for proc in machines.daemons.values():
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=30)


@pytest.fixture
def window(
    qtbot: QtBot, tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MainWindow]:
    monkeypatch.setenv("TASKRUN_POLL_S", "600")  # this process and the daemons it starts
    monkeypatch.setenv("TASKRUN_NODE", "alpha")
    with (
        app_context(tmp_path / "alpha", schedules=False, db_url=pg_url) as ctx,
        shown_window(qtbot, ctx) as win,
    ):
        yield win


def test_a_run_another_node_executes_shows_in_the_window_as_it_ends(
    qtbot: QtBot, window: MainWindow, beta: Path, pg: PgServer, pg_url: str, tmp_path: Path
) -> None:
    task = add_task(window.ctx.store, shell_task("hello", "echo hi"))
    wait_for(lambda: listening(pg) >= 2, timeout=30)  # this window and beta
    wait_for(lambda: _rows(pg, "SELECT name FROM node WHERE name = 'beta'") != [], timeout=30)
    window.tabs.setCurrentIndex(TAB_LOGS)
    gamma = tmp_path / "gamma"  # a third machine queues it: no writer of this window does
    queued = taskrun(gamma, "--db", pg_url, "--node", "gamma", "run", "hello", "--node", "beta")
    assert queued.returncode == 0, queued.stderr
    [(uid,)] = _rows(pg, "SELECT uid FROM run")
    history = window.history_tab.model

    def status_shown() -> object:
        row = history.row_of_uid(str(uid))
        return None if row is None else history.data(history.index(row, Col.STATUS))

    qtbot.waitUntil(lambda: status_shown() == "success", timeout=WAIT)
    window.tabs.setCurrentIndex(TAB_TASKS)  # it was hidden: it reads what it missed now
    tasks = window.tasks_tab.model

    def task_status() -> object:
        row = tasks.row_of(task.id)
        return None if row is None else tasks.index(row, COL_STATUS).data()

    qtbot.waitUntil(lambda: task_status() == "success", timeout=WAIT)
    assert json.loads(taskrun(gamma, "--db", pg_url, "runs", "--json").stdout)[0]["node"] == "beta"
