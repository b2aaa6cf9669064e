"""The window wires its controls to the executor once, before it knows who runs its tasks: a
control wired then still reaches whoever runs them after the window took over from a host
that went away."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunStatus
from taskrun_gui.executor.host import Host
from taskrun_gui.storage.db import Store
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.main_window import MainWindow
from taskrun_gui.ui.query import QueryRunner
from tests.helpers import add_task, py_task


def test_the_trays_pause_wired_before_a_takeover_pauses_the_windows_own_queue_after_it(
    qtbot: QtBot, tmp_path: Path
) -> None:
    store = Store(tmp_path / "data").open()
    host = Host(store, 1)
    query = QueryRunner(store, host.writer)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(AppContext(store, host.writer, host.executor, query, settings))
    ex = host.executor
    try:
        with qtbot.waitSignal(ex.serving_changed, timeout=20_000):
            host.become_client()  # nobody serves the data dir: the window takes it over
        assert host.serving and ex.serving
        task = add_task(store, py_task("quick", "print('hi')"))
        win.tray.pause_action.trigger()
        assert ex.queue_paused
        rec = ex.enqueue(task.id, task.version, task.spec)[0]
        assert [r.uid for r in ex.queue()] == [rec.uid]  # held: the queue is paused
        with qtbot.waitSignal(ex.run_finished, timeout=20_000) as finished:
            win.tray.pause_action.trigger()
        assert not ex.queue_paused
        assert finished.args[0].uid == rec.uid
        assert finished.args[0].status is RunStatus.SUCCESS
    finally:
        win.shutdown()
        host.close(timeout=10)
        query.wait_idle()
        store.close()
