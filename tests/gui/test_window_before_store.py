"""The window shows before its store is open (app.py opens it on a worker): each tab and the
status bar say the history is being opened, then the tasks come in; the tab chosen meanwhile
is built once the store is there; pyqtgraph and numpy wait for the first chart tab, and a
window on an SQLite history never loads psycopg2."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from taskrun_gui.storage.db import Store
from taskrun_gui.ui.main_window import OPENING, TAB_LOGS, MainWindow
from tests.helpers import add_task, app_context, shell_task

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)
REPO = Path(__file__).resolve().parents[2]

# main() on a store that opens only once the test's file `go` exists; prints what the
# window shows on the way (one Python literal a line), then quits.
CHILD = r"""
import pathlib, sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel
import taskrun_gui.app as app_mod

data_dir, go, early = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3] == "quit-early"
opening = app_mod._try_open

def slow_open(path):
    while not go.exists():
        time.sleep(0.01)
    return opening(path)

def heavy():
    return sorted(m for m in ("numpy", "peewee", "psycopg2", "pyqtgraph") if m in sys.modules)

def say(*what):
    print(repr(what), flush=True)

def on_shown(window):
    waiting = [w.text() for w in window.findChildren(QLabel, "pageWaiting") if w.isVisible()]
    say("shown", window.is_attached, window.counts_label.text(), waiting, heavy())
    if early:  # Quit while the store opens; it opens after that, and is closed
        window.menus.quit_action.trigger()
        say("quit", window.isVisible())
    go.touch()

def on_attached(window):
    names = window.tasks_tab.task_names()
    if not names:
        QTimer.singleShot(20, lambda: on_attached(window))
        return
    say("tasks", names, window.counts_label.text(), heavy())
    window.tabs.setCurrentIndex(3)
    say("trends", window._trends_page.is_built, heavy())
    window.request_quit()

shown = app_mod.MainWindow.show

def show(self):
    shown(self)
    self.attached.connect(lambda: on_attached(self))
    QTimer.singleShot(0, lambda: on_shown(self))

app_mod._try_open = slow_open
app_mod.MainWindow.show = show
sys.exit(app_mod.main(["--data-dir", data_dir]))
"""


def _start(tmp_path: Path, mode: str = "") -> list[tuple[object, ...]]:
    """main() on a data dir with one task, its store slow to open; what the child said."""
    data_dir = tmp_path / "data"
    store = Store(data_dir).open()
    add_task(store, shell_task("nightly-backup", "true"))
    store.close()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(data_dir), str(tmp_path / "go"), mode],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr, out.stderr  # none in a slot either
    return [ast.literal_eval(line) for line in out.stdout.splitlines()]


def test_the_window_shows_before_a_slow_store_then_its_tasks(tmp_path: Path) -> None:
    lines = _start(tmp_path)
    assert lines[0] == ("shown", False, OPENING, [OPENING], [])  # the Tasks page says so
    assert lines[1] == ("tasks", ["nightly-backup"], "0 running · 0 queued", ["peewee"])
    assert lines[2] == ("trends", True, ["numpy", "peewee", "pyqtgraph"])  # no psycopg2


def test_quitting_while_the_store_opens_exits_and_lets_it_go(tmp_path: Path) -> None:
    lines = _start(tmp_path, "quit-early")
    assert lines[1:] == [("quit", False)]  # the window is gone at once, the process exits 0
    again = Store(tmp_path / "data").open()  # not left locked or half open
    try:
        assert not again.read_only and again.open_error is None
    finally:
        again.close()


def test_a_tab_chosen_while_the_store_opens_is_built_once_it_is_there(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with app_context(tmp_path) as ctx:
        window = MainWindow(settings=ctx.settings)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.tabs.setCurrentIndex(TAB_LOGS)
        waiting = window.tabs.currentWidget().findChild(QLabel, "pageWaiting")
        assert waiting is not None and waiting.isVisible() and waiting.text() == OPENING
        assert not window._history_page.is_built
        assert not window.menus.settings_action.isEnabled()  # it needs the store
        assert not window.tray.pause_action.isEnabled()  # and the engine
        window.attach(ctx)
        assert window._history_page.is_built and window.history_tab.isVisible()
        assert not waiting.isVisible()
        page = window.tabs.currentWidget()
        qtbot.waitUntil(lambda: page.findChild(QLabel, "pageWaiting") is None)
        assert window.menus.settings_action.isEnabled()
        assert window.tray.pause_action.isEnabled() and window.tray.run_menu.isEnabled()
        assert not window._trends_page.is_built  # the others still wait for their first show
        window.confirm_quit = lambda _running, _queued: True  # type: ignore[method-assign]
        window.close()


def test_quitting_before_the_store_is_open_asks_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    with app_context(tmp_path) as ctx:
        window = MainWindow(settings=ctx.settings)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        with qtbot.waitSignal(window.quit_requested, timeout=1000):
            window.menus.quit_action.trigger()
        assert not window.is_attached
