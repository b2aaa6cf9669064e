"""The window stays responsive while a task prints as fast as it can and the Logs tab
follows it: output reaches the UI in batches, never one signal per line."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer
from pytestqt.qtbot import QtBot

from taskrun_gui.executor.host import Host
from taskrun_gui.storage.db import Store
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.main_window import MainWindow
from taskrun_gui.ui.query import QueryRunner
from tests.helpers import add_task, py_task

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)
FLOOD = (
    "import sys, time\n"
    "end = time.time() + 3\n"
    "i = 0\n"
    "while time.time() < end:\n"
    "    sys.stdout.write(f'line {i} \\x1b[32mgreen\\x1b[0m ' + 'x' * 60 + '\\n')\n"
    "    i += 1\n"
    "print('LAST LINE', flush=True)\n"
)


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    store = Store(tmp_path / "data").open()
    host = Host(store, workers=1)
    assert host.try_serve()
    query = QueryRunner(store, host.writer)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(AppContext(store, host.writer, host.executor, query, settings))
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.confirm_quit = lambda _running, _queued: True
    win.close()
    host.close(timeout=10)
    query.wait_idle()
    store.close()


def test_event_loop_keeps_ticking_while_following_a_flood(qtbot: QtBot, window: MainWindow) -> None:
    """Behaviour under load, not a wall-clock figure (the latency target is in bench/, see
    bench_log_view): while a task floods its output into the followed log view, the event
    loop goes on serving timers between the output batches, and the view stays bounded."""
    ctx = window.ctx
    task = add_task(ctx.store, py_task("flood", FLOOD))
    window.tabs.setCurrentIndex(2)
    history = window.history_tab
    rec = ctx.executor.enqueue(task.id, task.version, task.spec)[0]
    qtbot.waitUntil(lambda: history.model.rowCount() == 1, timeout=10_000)
    history.select_row(0)
    ticks = [0]
    ticks_at_batch: list[int] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    timer.start()
    ctx.executor.run_output.connect(lambda uid, _t, _o: ticks_at_batch.append(ticks[0]))
    done: list[str] = []
    ctx.executor.run_finished.connect(lambda r: done.append(r.uid))
    qtbot.waitUntil(lambda: rec.uid in done, timeout=60_000)
    timer.stop()
    assert len(ticks_at_batch) >= 10, "the output came in batches while it ran"
    ticking = sum(1 for a, b in itertools.pairwise(ticks_at_batch) if b > a)
    assert ticking >= len(ticks_at_batch) // 2, "timers starved between output batches"
    view = history.log_view
    qtbot.waitUntil(lambda: "LAST LINE" in view.text(), timeout=10_000)
    assert view.text_edit().document().blockCount() <= 20_001  # memory stays bounded
