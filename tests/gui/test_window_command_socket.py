"""The window serving a data dir answers thin `taskrun run`/`runs` calls too (app.serve starts
the command socket beside the host; the window's quit stops it before the host lets go)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from taskrun_gui import app
from taskrun_gui.core.models import RunStatus
from taskrun_gui.engine.command_socket import CommandListener, socket_path
from taskrun_gui.executor.host import Host
from taskrun_gui.storage import runs_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.main_window import MainWindow
from taskrun_gui.ui.query import QueryRunner
from tests.e2e.cli import taskrun_marked
from tests.helpers import add_task, shell_task

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)


def test_the_window_answers_run_and_runs_over_its_socket(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdout", sys.stdout)  # the host routes them: put back after
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    store = Store(tmp_path / "data").open()
    add_task(store, shell_task("noop", "true"))
    host = Host(store, 1)
    query = QueryRunner(store, host.writer)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(AppContext(store, host.writer, host.executor, query, settings))
    qtbot.addWidget(window)
    try:
        listeners: list[CommandListener] = []
        app.serve(host, window, listeners)  # the claim on its thread: served once it is done
        qtbot.waitUntil(lambda: host.serving and bool(listeners), timeout=20_000)
        assert len(listeners) == 1
        try:
            res, how = taskrun_marked(store.data_dir, "run", "noop")
            queued = (res.returncode, how, res.stdout)
            assert queued == (0, "thin", b"run 1 of 'noop' queued\n"), res.stderr
            qtbot.waitUntil(lambda: _final(1), timeout=20_000)
            assert runs_repo.get(1).status is RunStatus.SUCCESS  # type: ignore[union-attr]
            res, how = taskrun_marked(store.data_dir, "runs", "--task", "nope")
            assert (res.returncode, how) == (1, "thin")
            assert res.stderr == b"taskrun: no task named 'nope'\n"
        finally:
            for listener in listeners:
                listener.stop()
        assert not socket_path(store.locks_dir).exists()
        window.confirm_quit = lambda _running, _queued: True
        window.close()
    finally:
        host.close(timeout=10)
        query.wait_idle()
        store.close()


def _final(run_id: int) -> bool:
    rec = runs_repo.get(run_id)
    return rec is not None and rec.status.is_final
