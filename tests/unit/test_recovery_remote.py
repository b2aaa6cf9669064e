"""Recovery of a run on another machine: what it records is true of it (nothing was stopped
from here; the wrapper on the host stops the tree once the connection is gone)."""

from __future__ import annotations

from taskrun_gui.core.models import RunStatus, Trigger
from taskrun_gui.core.run_events import RunQueued, RunStarted
from taskrun_gui.engine import records, recovery
from taskrun_gui.storage import recorder, runs_repo
from tests.helpers import add_task, shell_task


def test_an_interrupted_remote_run_says_its_processes_were_not_stopped_from_here(store) -> None:
    task = add_task(store, shell_task("far", "sleep 100"))
    rec = records.new_run(task.id, task.version, task.spec, {}, Trigger.CLI, store.logs_dir)
    rec.host = "web1"
    with recorder.immediate_transaction():
        rec.id = recorder.apply(RunQueued(rec))
        recorder.apply(RunStarted(rec.uid, rec.queued_at, None, None, None))
    recovery.recover_if_no_host(store)
    row = runs_repo.get(rec.id)
    assert row.status == RunStatus.INTERRUPTED
    assert row.error_message == (
        "TaskRun stopped while this run was going on web1; its processes there were not "
        "stopped from here: the wrapper on the host stops them once the connection is gone"
    )
