"""A `taskrun daemon` applies the data dir's policy (settings.toml) with no window: retention
deletes what the policy says, the success-rate alert is raised on its stderr, and retention
never deletes a run that is going, nor holds up its `running` row."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from taskrun_gui.core.models import Param, RunStatus, Trigger
from taskrun_gui.engine import records
from taskrun_gui.engine.host_events import HostEvent, RetentionApplied, RunFinished, RunStateChanged
from taskrun_gui.engine.serving import ThreadHost
from taskrun_gui.storage import policy_file, retention, runs_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.run_writes import apply_op, record_fields
from taskrun_gui.storage.runs_repo import RunFilter
from tests.e2e.cli import start_daemon, taskrun
from tests.helpers import add_task, py_task, shell_task, wait_for

DAY_MS = 86_400_000


def _old_runs(store: Store, task, n: int, age_days: int) -> list[str]:  # type: ignore[no-untyped-def]
    """`n` finished runs of `task` that ended `age_days` ago, each with its log file."""
    finished = int(time.time() * 1000) - age_days * DAY_MS
    uids = []
    with store.db.atomic():
        for _ in range(n):
            rec = records.new_run(task.id, 1, task.spec, {}, Trigger.MANUAL, store.logs_dir)
            Path(rec.log_path).parent.mkdir(parents=True, exist_ok=True)
            Path(rec.log_path).write_text("old")
            fields = {**record_fields(rec), "status": "success", "queued_at": finished}
            fields["finished_at"] = finished
            apply_op("insert_run", rec.uid, fields)
            uids.append(rec.uid)
    return uids


def _stop(proc) -> str:  # type: ignore[no-untyped-def]
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    return str(err)


def test_daemon_applies_retention_from_settings_toml(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(data).open()
    task = add_task(store, shell_task("r", "true"))
    old = _old_runs(store, task, 3, age_days=10)
    recent = _old_runs(store, task, 2, age_days=1)
    old_logs = [runs_repo.get_by_uid(u).log_path for u in old]  # type: ignore[union-attr]
    store.close()
    policy_file.update(data, retention_days=5)
    daemon = start_daemon(data)
    try:
        store = Store(data).open()
        deadline = time.monotonic() + 20
        while runs_repo.count(RunFilter(task_id=task.id)) != 2:
            assert time.monotonic() < deadline, "the daemon applied no retention"
            time.sleep(0.1)
        left = {r.uid for r in runs_repo.page_before(RunFilter(task_id=task.id), None, 10)}
        assert left == set(recent)
        # their log files go once the deletion is committed: a moment after the rows
        wait_for(lambda: not any(Path(p).exists() for p in old_logs), timeout=20)
        store.close()
    finally:
        err = _stop(daemon)
    assert "retention deleted 3 run(s)" in err


def test_daemon_raises_the_success_rate_alert_from_shared_settings(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(data).open()
    coin = add_task(
        store,
        shell_task("coin", 'test "$TASKRUN_PARAM_SIDE" = heads', params=[Param("side", "heads")]),
    )
    del coin
    store.close()
    policy_file.update(data, alert_success_rate=50, alert_window=4)
    daemon = start_daemon(data)
    try:
        for side in ("heads", "heads", "tails", "tails", "tails"):
            taskrun(data, "run", "coin", "--param", f"side={side}", "--wait")
        for side in ("heads", "heads", "heads", "heads"):
            res = taskrun(data, "run", "coin", "--param", f"side={side}", "--wait")
            assert res.returncode == 0, res.stderr
    finally:
        err = _stop(daemon)
    assert err.count("coin is failing often") == 1, err
    assert "threshold 50 %" in err
    assert err.count("coin is healthy again") == 1, err


def test_retention_never_deletes_a_running_run_nor_holds_its_running_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host starting with old runs to clean and a run to execute: between two batches of
    the cleanup the run's `running` row is committed, and the running run is kept."""
    monkeypatch.setattr(retention, "BATCH", 50)
    store = Store(tmp_path / "data").open()
    task = add_task(store, py_task("slow", "import os; open(os.environ['GO']).read()"))
    _old_runs(store, task, 200, age_days=10)
    policy_file.update(store.data_dir, retention_days=1)
    go = tmp_path / "go"
    os.mkfifo(go)
    monkeypatch.setenv("GO", str(go))
    running = threading.Event()
    seen: list[tuple[str | None, bool]] = []  # per batch: the run's stored status, run kept
    remove_logs = retention._remove_logs
    host = ThreadHost(store, workers=1)
    events: list[HostEvent] = []

    def in_between(paths):  # type: ignore[no-untyped-def]
        """After a batch is committed: the run's `running` row gets written meanwhile."""
        running.wait(20)
        deadline = time.monotonic() + 10
        while (rec := runs_repo.get_by_uid(queued.uid)) is None or not rec.status.is_live:
            assert time.monotonic() < deadline, "the running row waited behind the cleanup"
            time.sleep(0.02)
        seen.append((str(rec.status), True))
        return remove_logs(paths)

    monkeypatch.setattr(retention, "_remove_logs", in_between)

    def on_event(event: HostEvent) -> None:
        events.append(event)
        if isinstance(event, RunStateChanged) and event.record.status is RunStatus.RUNNING:
            running.set()
        if isinstance(event, RetentionApplied):
            with open(go, "w") as fifo:  # the run may end now
                fifo.write("go\n")

    host.listeners.append(on_event)
    queued = host.executor.enqueue(task.id, task.version, task.spec)[0]
    assert host.try_serve()
    done = threading.Event()
    host.listeners.append(lambda e: done.set() if isinstance(e, RunFinished) else None)
    runner = threading.Thread(target=host.home.run, daemon=True)
    runner.start()
    try:
        assert done.wait(30)
    finally:
        host.home.stop()
        runner.join(10)
        host.close()
    applied = [e for e in events if isinstance(e, RetentionApplied)]
    assert applied and applied[0].result is not None and applied[0].result.runs_deleted == 200
    assert seen == [("running", True)] * 4
    final = runs_repo.get_by_uid(queued.uid)
    assert final is not None and final.status is RunStatus.SUCCESS
    assert runs_repo.count(RunFilter(task_id=task.id)) == 1
    store.close()
