"""A host killed right after its runs were reaped, before their finishes were committed (the
writer batches them for up to LAZY_DELAY): the next process writes the exit codes and end
times it had, instead of marking the runs interrupted."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.e2e.cli import taskrun_json

HOST = textwrap.dedent(
    """
    import os, sys
    from taskrun_gui.core.models import TaskSpec, Trigger
    from taskrun_gui.engine import records
    from taskrun_gui.engine.runner import RunHooks, RunJob, execute_run
    from taskrun_gui.core.run_events import RunQueued
    from taskrun_gui.storage import tasks_repo, writer as writer_mod
    from taskrun_gui.storage.db import Store

    writer_mod.LAZY_DELAY = 3600  # the finishes wait to share a commit that never comes
    store = Store(sys.argv[1]).open()
    with store.db.atomic():
        task = tasks_repo.create(TaskSpec(name="exit3", command="exit 3"))
    writer = writer_mod.StoreWriter(store)
    for _ in range(3):
        rec = records.new_run(task.id, 1, task.spec, {}, Trigger.CLI, store.logs_dir)
        writer.submit(RunQueued(rec))
        result = execute_run(RunJob(rec, task.spec), store, writer, RunHooks())
        assert result.record.exit_code == 3
    print("reaped", flush=True)
    os._exit(0)  # dies like kill -9: no close, no flush
    """
)


def test_reaped_runs_keep_their_outcome_when_the_host_dies(tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc = subprocess.run(
        [sys.executable, "-c", HOST, str(data)], capture_output=True, text=True, timeout=60
    )
    assert proc.stdout.strip() == "reaped", proc.stderr
    runs = taskrun_json(data, "runs", "--json")  # a new process opens the data dir
    assert [(r["status"], r["exit_code"], r["error_type"]) for r in runs] == [
        ("failed", 3, "exit_code")
    ] * 3
    assert all(r["finished_at"] and r["duration"] is not None for r in runs)
    stats = taskrun_json(data, "stats", "--json")
    assert (stats["total"], stats["failed"], stats["interrupted"]) == (3, 3, 0)
