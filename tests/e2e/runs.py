"""Run a task through a real ExecutorService and wait for its final record."""

from __future__ import annotations

from typing import Any

from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunRecord
from taskrun_gui.executor.service import ExecutorService
from taskrun_gui.storage import runs_repo
from taskrun_gui.storage.tasks_repo import TaskRow


def start(service: ExecutorService, task: TaskRow, **kw: Any) -> RunRecord:
    return service.enqueue(task.id, task.version, task.spec, **kw)[0]


def wait_final(
    qtbot: QtBot, service: ExecutorService, uid: str, timeout: int = 30_000
) -> RunRecord:
    done: dict[str, RunRecord] = {}

    def on_finished(rec: RunRecord) -> None:
        done[rec.uid] = rec

    def stored_final() -> bool:  # it may have finished before we started listening
        rec = runs_repo.get_by_uid(uid)
        return rec is not None and rec.status.is_final and uid not in service.queue_uids()

    service.run_finished.connect(on_finished)
    try:
        qtbot.waitUntil(lambda: uid in done or stored_final(), timeout=timeout)
    finally:
        service.run_finished.disconnect(on_finished)
    assert service.writer.flush(10)
    stored = runs_repo.get_by_uid(uid)
    assert stored is not None
    return stored


def run_task(qtbot: QtBot, service: ExecutorService, task: TaskRow, **kw: Any) -> RunRecord:
    """Queue one run and return its stored final record."""
    return wait_final(qtbot, service, start(service, task, **kw).uid)
