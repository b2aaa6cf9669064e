"""A paused run: its wall time is what views show, its active time (pauses left out) is what
every statistic compares. Real child processes stopped with SIGSTOP by the engine."""

from __future__ import annotations

import time
from pathlib import Path

import psutil
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.core.run_events import RunFinished, RunQueued
from taskrun_gui.core.run_json import run_to_json
from taskrun_gui.executor.service import ExecutorService
from taskrun_gui.storage import stats_repo, tasks_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.schema import TaskDay
from taskrun_gui.storage.stats_repo import Scope
from taskrun_gui.storage.writer import StoreWriter
from tests.e2e.runs import start, wait_final
from tests.helpers import add_task, py_task

PRIOR_MS = 1500  # each earlier success of the task (more than 10: the slow flag judges)


def _earlier_successes(writer: StoreWriter, task_id: int, n: int) -> None:
    row = tasks_repo.get(task_id)
    end = int(time.time() * 1000) - 60_000
    for i in range(n):
        uid = f"earlier-{i}"
        rec = RunRecord(uid, task_id, row.name, row.version, queued_at=end - PRIOR_MS)
        writer.submit(RunQueued(rec))
        writer.submit(
            RunFinished(uid, RunStatus.SUCCESS, end - PRIOR_MS, end, PRIOR_MS, exit_code=0)
        )
    assert writer.flush(10)


def _paused_run(qtbot: QtBot, service: ExecutorService, task_id: int, go: Path) -> RunRecord:
    """Run the task, pause it once its process is up, hold the pause until the run's wall time
    would pass for slow (1.6 x the earlier runs), resume, and return the stored record."""
    rec = start(service, tasks_repo.get(task_id))
    with qtbot.waitSignal(service.run_output, timeout=10_000):
        pass
    assert service.pause(rec.uid)
    pid = service.running()[0].pid
    assert pid is not None
    qtbot.waitUntil(lambda: psutil.Process(pid).status() == psutil.STATUS_STOPPED, timeout=5000)
    held_from = time.monotonic()
    # the length of the pause is the input of this test, not a wait for something to happen
    qtbot.waitUntil(lambda: time.monotonic() - held_from > PRIOR_MS * 1.6 / 1000, timeout=10_000)
    held_ms = (time.monotonic() - held_from) * 1000
    go.write_text("x")
    assert service.resume(rec.uid)
    final = wait_final(qtbot, service, rec.uid)
    assert final.paused_ms >= held_ms  # at least as long as the test saw it stopped
    return final


def test_a_paused_run_keeps_wall_and_active_time_and_statistics_use_the_active(
    qtbot: QtBot, service: ExecutorService, store: Store, writer: StoreWriter, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    code = (
        "import pathlib, time\n"
        "print('ready', flush=True)\n"
        f"while not pathlib.Path({str(go)!r}).exists(): time.sleep(0.02)\n"
    )
    task = add_task(store, py_task("pausable", code))
    _earlier_successes(writer, task.id, 12)
    final = _paused_run(qtbot, service, task.id, go)
    assert final.status is RunStatus.SUCCESS
    assert final.started_at is not None and final.finished_at is not None
    wall_ms = final.finished_at - final.started_at
    assert final.duration_ms is not None
    assert final.duration_ms + final.paused_ms == wall_ms
    assert final.duration_seconds == wall_ms / 1000  # what the views show
    assert final.active_seconds == final.duration_ms / 1000
    shown = run_to_json(final)
    assert shown["duration"] == wall_ms / 1000
    assert (shown["active_duration"], shown["paused_seconds"]) == (
        final.duration_ms / 1000,
        final.paused_ms / 1000,
    )
    # the active time is under the slow threshold, the wall time over it
    assert final.duration_ms < PRIOR_MS * 1.5 < wall_ms
    assert final.slow is False
    day = TaskDay.get(TaskDay.task == task.id)
    assert day.total_ms == 12 * PRIOR_MS + final.duration_ms
    assert day.min_ms == final.duration_ms
    stats = stats_repo.run_stats(Scope(task_id=task.id))
    assert stats.min_s == final.duration_ms / 1000
