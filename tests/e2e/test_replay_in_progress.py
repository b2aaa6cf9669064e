"""A dead host's records being replayed by another process (a CLI waiting for a locked store
holds the claimed journal): a daemon started meanwhile must not run that run again."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from taskrun_gui.engine.locks import host_pid
from tests.e2e.cli import popen_taskrun, taskrun, taskrun_json

SETUP = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from taskrun_gui.core.models import RunStatus, Trigger
    from taskrun_gui.core.run_events import RunFinished, RunQueued, RunStarted
    from taskrun_gui.engine import records
    from taskrun_gui.storage import journal, recorder, tasks_repo
    from taskrun_gui.storage.db import Store

    store = Store(sys.argv[1]).open()
    t = tasks_repo.get("t")
    rec = records.new_run(t.id, t.version, t.spec, {}, Trigger.CLI, store.logs_dir)
    with recorder.immediate_transaction():
        recorder.apply(RunQueued(rec))
    now = int(time.time() * 1000)
    done = [RunStarted(rec.uid, now - 3000, 999999, 999999, 1.0),
            RunFinished(rec.uid, RunStatus.SUCCESS, now - 3000, now - 1000, 2000, 0)]
    path = store.spool_dir / "journal-999999-1.jsonl"  # a dead host's: nobody holds it
    path.write_bytes(journal.encode(done))
    os.chmod(path, 0o600)
    """
)
HOLD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from taskrun_gui.storage import spool_claims
    claim = spool_claims.claim(Path(sys.argv[1]) / "spool")
    print(len(claim.events), flush=True)
    sys.stdin.read()  # held until the test says so
    claim.release()
    """
)


def test_a_run_being_replayed_elsewhere_is_not_run_again(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ran = tmp_path / "executions"
    assert taskrun(data, "task", "add", "t", "--command", f"echo ran >> {ran}").returncode == 0
    setup = subprocess.run([sys.executable, "-c", SETUP, str(data)], capture_output=True, text=True)
    assert setup.returncode == 0, setup.stderr
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(data)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    daemon = None
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "2"
        daemon = popen_taskrun(data, "daemon", "--exit-when-idle")
        deadline = time.monotonic() + 30
        while host_pid(data / "locks") != daemon.pid:
            assert daemon.poll() is None and time.monotonic() < deadline, "no daemon"
            time.sleep(0.05)
        # proving a run does NOT start needs a window: several of the daemon's looks at the
        # queue (0.5 s apart) while the claim is held
        window = time.monotonic() + 3.0
        while time.monotonic() < window and not ran.exists():
            time.sleep(0.1)
        assert not ran.exists(), "the run was executed again while its records were replayed"
        holder.communicate("", timeout=30)  # the replay ends (its holder gives up the claim)
        _out, err = daemon.communicate(timeout=60)  # the daemon writes them and leaves
        assert daemon.returncode == 0, err
    finally:
        for proc in (holder, daemon):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.communicate()
    (run,) = taskrun_json(data, "runs", "--json")
    assert (run["status"], run["exit_code"], run["duration"]) == ("success", 0, 2.0)
    assert not ran.exists()


def test_recovery_leaves_a_run_whose_finish_still_waits(tmp_path: Path, monkeypatch) -> None:
    """The replay refused (a store locked a moment) but the interrupt could be written: the
    run must keep its real outcome for the next replay, not become `interrupted`."""
    from taskrun_gui.core.models import RunStatus, TaskSpec, Trigger
    from taskrun_gui.core.run_events import RunFinished, RunQueued, RunStarted
    from taskrun_gui.engine import recovery
    from taskrun_gui.engine.records import new_run
    from taskrun_gui.storage import journal, recorder, runs_repo, tasks_repo
    from taskrun_gui.storage.db import Store
    from taskrun_gui.storage.writer import replay_spool

    store = Store(tmp_path / "data").open()
    try:
        with store.db.atomic():
            task = tasks_repo.create(TaskSpec(name="t", command="true"))
        rec = new_run(task.id, task.version, task.spec, {}, Trigger.CLI, store.logs_dir)
        with recorder.immediate_transaction():
            recorder.apply(RunQueued(rec))
            recorder.apply(RunStarted(rec.uid, 1000, 999999, 999999, 1.0))
        dead = store.spool_dir / "journal-999999-1.jsonl"
        dead.write_bytes(
            journal.encode([RunFinished(rec.uid, RunStatus.FAILED, 1000, 3000, 2000, 3)])
        )
        monkeypatch.setattr(recovery, "replay_spool", lambda s: 1)  # as if the store refused
        assert recovery.recover_dead_runs(store) == []
        assert runs_repo.get_by_uid(rec.uid).status is RunStatus.RUNNING
        assert replay_spool(store) == 0  # the store takes it now
        final = runs_repo.get_by_uid(rec.uid)
        assert (final.status, final.exit_code) == (RunStatus.FAILED, 3)
    finally:
        store.close()
