"""Queueing runs from the window, whether this process hosts the data dir or a daemon does."""

from __future__ import annotations

from taskrun_gui.core import params as params_mod
from taskrun_gui.core.models import RunRecord, Trigger
from taskrun_gui.engine import records
from taskrun_gui.storage.runs_repo import record_fields
from taskrun_gui.storage.tasks_repo import TaskRow
from taskrun_gui.storage.writer import WriteOp
from taskrun_gui.ui.context import AppContext


def queue_runs(
    ctx: AppContext, task: TaskRow, given: dict[str, str], repeat: int, serving: bool
) -> list[RunRecord]:
    """Queue `repeat` runs of `task`; raises ParamError for values the task refuses.

    When another process (a `taskrun daemon`) is the host, the executor here is not running:
    the queued rows (and secret values, in their 0600 file) are written for that host's poller,
    exactly as the CLI does, and that process runs them."""
    if serving:
        return ctx.executor.enqueue(task.id, task.version, task.spec, given, repeat=repeat)
    values = params_mod.resolve(task.spec.params, given)
    out = []
    for _ in range(max(1, repeat)):
        rec = records.new_run(
            task.id, task.version, task.spec, values, Trigger.MANUAL, ctx.store.logs_dir
        )
        records.save_secret_values(ctx.store.secrets_dir, rec.uid, task.spec, values)
        ctx.writer.submit(WriteOp("insert_run", rec.uid, record_fields(rec)))
        out.append(rec)
    return out
