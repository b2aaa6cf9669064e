"""The composition root keeps slow host work off a visible window: serving (which begins with
recovering what a dead host left) starts once the window is painted, and quitting hides the
window before closing the host waits for the runs in flight."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from taskrun_gui import app
from taskrun_gui.ui.main_window import MainWindow
from tests.helpers import add_task, app_context, py_task

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)


def test_serving_starts_once_the_window_is_painted(qtbot: QtBot, tmp_path: Path) -> None:
    with app_context(tmp_path) as ctx:
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        exposed_then: list[bool] = []
        window.show()
        app.when_painted(window, lambda: exposed_then.append(window.windowHandle().isExposed()))
        assert exposed_then == []  # not on the way up
        qtbot.waitUntil(lambda: exposed_then != [], timeout=10_000)
        assert exposed_then == [True]
        window.confirm_quit = lambda _running, _queued: True
        window.close()


def test_quitting_hides_the_window_before_the_host_waits_for_runs(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with app_context(tmp_path) as ctx:
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        task = add_task(ctx.store, py_task("long", "import time; time.sleep(60)"))
        ctx.executor.enqueue(task.id, task.version, task.spec)
        qtbot.waitUntil(lambda: bool(ctx.executor.running()), timeout=10_000)
        visible_when_closing: list[bool] = []

        def close_host() -> None:  # the host's close waits for the run to be stopped
            visible_when_closing.append(window.isVisible())
            ctx.executor.shutdown(timeout=10)

        app.shut_down(window, close_host)
        assert visible_when_closing == [False]
        assert not window.tray.system_tray_icon.isVisible()
