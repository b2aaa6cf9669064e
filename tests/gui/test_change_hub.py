"""The window learns about run changes in one place: a hidden window reads nothing for a
burst of runs and catches up when shown; a finished run reaches the Tasks table once; no
reader flushes the writer, and the slow-run alert still knows what the finish decided."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunStatus
from taskrun_gui.core.timefmt import now_ms
from taskrun_gui.ui.change_hub import RunChanges
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.main_window import TAB_LOGS, MainWindow
from taskrun_gui.ui.tasks.task_table_model import COL_STATUS
from tests.helpers import add_task, app_context, py_task, shell_task, shown_window
from tests.unit.test_trends_repo import History

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    with app_context(tmp_path, workers=2, schedules=False) as context:
        yield context


@pytest.fixture
def window(qtbot: QtBot, ctx: AppContext) -> Iterator[MainWindow]:
    with shown_window(qtbot, ctx) as win:
        yield win


class ReadSpy:
    """Who asked the QueryRunner for a read (the owner object's class name)."""

    def __init__(self, ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
        self.owners: list[str] = []
        real = ctx.query.read

        def read(fn: Any, on_done: Any, on_error: Any = None, owner: QObject | None = None):
            self.owners.append(type(owner).__name__)
            real(fn, on_done, on_error, owner)

        monkeypatch.setattr(ctx.query, "read", read)

    def views(self) -> list[str]:
        return [o for o in self.owners if o in ("TaskTableModel", "HistoryModel", "TrendsTab")]


def _track(ctx: AppContext) -> tuple[list[RunChanges], set[str]]:
    seen: list[RunChanges] = []
    recorded: set[str] = set()

    def on_changed(changes: RunChanges) -> None:
        seen.append(changes)
        recorded.update(changes.recorded)

    ctx.hub.changed.connect(on_changed)
    return seen, recorded


def test_a_hidden_window_reads_nothing_for_a_burst_and_catches_up_when_shown(
    qtbot: QtBot, window: MainWindow, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.tabs.setCurrentIndex(TAB_LOGS)  # the history tab is built, then hidden with the rest
    window.tabs.setCurrentIndex(0)
    task = add_task(ctx.store, shell_task("burst", "true"))
    model = window.tasks_tab.model
    with qtbot.waitSignal(model.loaded):
        model.reload_now()
    window.hide()  # as in the tray
    spy = ReadSpy(ctx, monkeypatch)
    _changes, recorded = _track(ctx)
    uids = {r.uid for r in ctx.executor.enqueue(task.id, task.version, task.spec, repeat=20)}
    qtbot.waitUntil(lambda: uids <= recorded, timeout=30_000)  # all ended, all stored
    assert spy.views() == []  # not one store read for what nobody sees
    assert model.refresher.stale and not model.refresher.busy
    row = model.row_of(task.id)
    assert row is not None

    with qtbot.waitSignal(model.loaded, timeout=10_000):
        window.show()
    assert spy.views().count("TaskTableModel") == 1  # one read catches up
    assert model.overview(row).last is not None and model.overview(row).last.uid in uids
    assert model.index(row, COL_STATUS).data() == "success"


def test_a_finished_run_reaches_the_tasks_table_once(
    qtbot: QtBot, window: MainWindow, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = add_task(ctx.store, shell_task("once", "true"))
    model = window.tasks_tab.model
    with qtbot.waitSignal(model.loaded):
        model.reload_now()
    changes, recorded = _track(ctx)
    uid = ctx.executor.enqueue(task.id, task.version, task.spec)[0].uid
    qtbot.waitUntil(lambda: uid in recorded, timeout=10_000)
    spy = ReadSpy(ctx, monkeypatch)  # from the commit on

    def stored_shown() -> bool:
        row = model.row_of(task.id)
        last = None if row is None else model.overview(row).last
        return model.refresher.idle and last is not None and last.uid == uid

    qtbot.waitUntil(stored_shown, timeout=10_000)  # the read the commit asked for
    finals = [r for c in changes for r in c.runs if r.uid == uid and r.status.is_final]
    assert len(finals) == 1  # announced once, though the executor signals it twice
    assert [r.uid for c in changes for r in c.finished] == [uid]
    assert spy.views() == ["TaskTableModel"]
    row = model.row_of(task.id)
    assert row is not None and model.index(row, COL_STATUS).data() == "success"


def test_no_reader_flushes_and_a_slow_run_is_still_told(
    qtbot: QtBot, window: MainWindow, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = add_task(ctx.store, py_task("steady", "import time; time.sleep(0.6)"))
    hist = History(ctx.store)
    for i in range(10):  # ten quick successes: the next run of 0.6 s is slow
        hist.run(task.id, "success", 20, now_ms() - 60_000 + i)
    window.tabs.setCurrentIndex(TAB_LOGS)  # the history table reads as runs change
    flushes: list[float] = []
    monkeypatch.setattr(ctx.writer, "flush", lambda timeout=10.0: flushes.append(timeout))
    with qtbot.waitSignal(window.notifier.notified, timeout=20_000) as told:
        rec = ctx.executor.enqueue(task.id, task.version, task.spec)[0]
    assert told.args[0] == "steady: slow run"
    assert flushes == []
    history = window.history_tab.model
    qtbot.waitUntil(lambda: history.row_of_uid(rec.uid) is not None, timeout=10_000)
    row = history.row_of_uid(rec.uid)
    assert row is not None
    got = history.run_at(row)
    assert got is not None and got.status is RunStatus.SUCCESS
