"""New runs of a task, as every front end queues them (the host here, or a client handing
them to the host that serves the data dir elsewhere)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from taskrun_gui.core import params as params_mod
from taskrun_gui.core.models import RunRecord, TaskSpec, Trigger
from taskrun_gui.core.run_events import RunQueued
from taskrun_gui.engine import records
from taskrun_gui.storage.db import Store

if TYPE_CHECKING:  # a command that queues a run does not run it: no supervisor to import
    from taskrun_gui.engine.runner import RunJob


def new_jobs(
    store: Store,
    task_id: int,
    version: int,
    spec: TaskSpec,
    given: dict[str, str] | None,
    trigger: Trigger,
    repeat: int,
    priority: int | None,
) -> list[RunJob]:
    """`repeat` new runs; raises params.ParamError for bad parameters."""
    from taskrun_gui.engine.runner import RunJob

    values = params_mod.resolve(spec.params, given or {})
    jobs = []
    for _ in range(max(1, repeat)):
        rec = records.new_run(task_id, version, spec, values, trigger, store.logs_dir, priority)
        jobs.append(RunJob(rec, spec, values))
    return jobs


def queued_event(rec: RunRecord) -> RunQueued:
    """The event that inserts a new run's row: a copy, as the caller's record goes on
    changing while the writer has not recorded it yet."""
    return RunQueued(replace(rec))
