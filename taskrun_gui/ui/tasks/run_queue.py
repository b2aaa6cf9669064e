"""Queueing runs from the window."""

from __future__ import annotations

from taskrun_gui.core.models import RunRecord
from taskrun_gui.storage.tasks_repo import TaskRow
from taskrun_gui.ui.context import AppContext


def queue_runs(
    ctx: AppContext, task: TaskRow, given: dict[str, str], repeat: int, serving: bool
) -> list[RunRecord]:
    """Queue `repeat` runs of `task`; raises ParamError for values the task refuses. When a
    `taskrun daemon` hosts the data dir, the executor is in client mode and queues there."""
    del serving  # the executor knows whether it hosts
    return ctx.executor.enqueue(task.id, task.version, task.spec, given, repeat=repeat)
