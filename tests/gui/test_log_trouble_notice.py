"""Output the disk refuses: the run goes on and ends as its process says, and the window
tells the user once (not at every run) that output could not be written."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunStatus
from taskrun_gui.ui.main_window import MainWindow
from tests.helpers import add_task, app_context, py_task


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    with app_context(tmp_path, workers=1) as ctx:
        win = MainWindow(ctx)
        qtbot.addWidget(win)
        yield win
        win.confirm_quit = lambda _running, _queued: True
        win.close()


def test_unwritable_logs_are_told_once_and_runs_still_end_right(
    qtbot: QtBot, window: MainWindow
) -> None:
    ctx = window.ctx
    month = ctx.store.logs_dir / time.strftime("%Y-%m", time.gmtime())
    if month.is_dir():
        month.rmdir()
    month.write_text("")  # where this month's log folder goes, a file: every log is refused
    task = add_task(ctx.store, py_task("speaks", "print('hello'); raise SystemExit(3)"))
    finals = []
    ctx.hub.changed.connect(lambda c: finals.extend(c.finished))  # after the window's slot
    ctx.executor.enqueue(task.id, task.version, task.spec, repeat=2)
    qtbot.waitUntil(lambda: len(finals) == 2, timeout=30_000)
    assert [(r.status, r.exit_code) for r in finals] == [(RunStatus.FAILED, 3)] * 2
    assert all(r.log_dropped == len(b"hello\n") and r.log_error for r in finals)
    told = [n for n in window.notifier.history() if n.title == "Output not written"]
    assert len(told) == 1 and finals[0].log_error in told[0].message
