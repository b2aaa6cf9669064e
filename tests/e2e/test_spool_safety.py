"""Run records a process had not committed when it ended are written by the next one, however
it ended: killed after claiming a dead writer's journal, closed while its writer was still
busy, or killed after the data dir's disk filled up under its journal."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskrun_gui.core.models import TaskSpec, Trigger
from taskrun_gui.core.run_events import RunQueued
from taskrun_gui.engine import records
from taskrun_gui.storage import journal
from taskrun_gui.storage.db import Store
from tests.e2e.cli import cli_env, taskrun
from tests.e2e.disks import fill
from tests.helpers import add_task

# the child's part: open the store, make runs of the task "deploy" (argv: data dir, how many)
PRELUDE = """
import json, os, sys, threading
from taskrun_gui.core.models import Trigger
from taskrun_gui.core.run_events import RunQueued
from taskrun_gui.engine import records
from taskrun_gui.storage import spool_claims, tasks_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import StoreWriter
store = Store(sys.argv[1]).open()
task = tasks_repo.get("deploy")
recs = [
    records.new_run(task.id, task.version, task.spec, {}, Trigger.CLI, store.logs_dir)
    for _ in range(int(sys.argv[2]))
]
"""


@pytest.fixture
def tmp_env(tmp_path: Path) -> dict[str, str]:
    """A temporary directory of the test's own (the fallback spool lives there)."""
    tmp = tmp_path / "tmp"
    tmp.mkdir(mode=0o1777)
    return {"TMPDIR": str(tmp)}


def _child(data: Path, code: str, n: int, env: dict[str, str], **kw: object) -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", PRELUDE + code, str(data), str(n)],
        env=cli_env(data, **env),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdin is not None
    try:
        for line in proc.stdout:
            reply = yield line.strip()
            if reply:
                proc.stdin.write(reply + "\n")
                proc.stdin.flush()
    finally:
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err


def _store_with_task(data: Path) -> Store:
    store = Store(data).open()
    add_task(store, TaskSpec(name="deploy", command="echo deploying"))
    return store


def _uids_after_replay(data: Path, env: dict[str, str]) -> set[str]:
    """What the history holds once the next process (any command) replayed the spool."""
    res = taskrun(data, "runs", "--json", **env)
    assert res.returncode == 0, res.stderr
    with sqlite3.connect(data / "taskrun.db") as conn:
        return {uid for (uid,) in conn.execute("SELECT uid FROM run")}


def test_a_process_killed_between_claim_and_commit_leaves_the_records(
    tmp_path: Path, tmp_env: dict[str, str]
) -> None:
    data = tmp_path / "data"
    store = _store_with_task(data)
    recs = [
        records.new_run(1, 1, TaskSpec(name="deploy", command="x"), {}, Trigger.CLI, store.logs_dir)
        for _ in range(3)
    ]
    (store.spool_dir / "journal-1-1.jsonl").write_bytes(journal.encode(RunQueued(r) for r in recs))
    store.close()
    code = "print(len(spool_claims.claim(store.spool_dir).events), flush=True); os._exit(0)"
    assert list(_child(data, code, 0, tmp_env)) == ["3"]  # claimed, then gone before commit
    assert _uids_after_replay(data, tmp_env) == {r.uid for r in recs}
    assert list(store.spool_dir.iterdir()) == []


def test_a_run_queued_behind_a_slow_write_survives_close(
    tmp_path: Path, tmp_env: dict[str, str]
) -> None:
    data = tmp_path / "data"
    _store_with_task(data).close()
    code = """
writer = StoreWriter(store)
started = threading.Event()
def slow():  # a retention batch, a save waiting on a busy store
    started.set()
    threading.Event().wait()
writer.submit(slow)
assert started.wait(30)
writer.submit(RunQueued(recs[0]))
writer.close(0.5)  # the app quits; its writer thread is a daemon thread
print(recs[0].uid, flush=True)
"""
    (uid,) = _child(data, code, 1, tmp_env)
    assert _uids_after_replay(data, tmp_env) == {uid}


def test_records_go_on_in_the_fallback_when_the_disk_fills_under_the_journal(
    tiny_disk: Path, tmp_env: dict[str, str]
) -> None:
    data = tiny_disk / "data"
    _store_with_task(data).close()
    code = """
writer = StoreWriter(store)
for rec in recs[:5]:
    writer.submit(RunQueued(rec))
assert writer.flush(30)
print("ready", flush=True)
sys.stdin.readline()  # the disk is full now, and the store locked by another process
for rec in recs[5:]:
    writer.submit(RunQueued(rec), lazy=True)
print(json.dumps([r.uid for r in recs]), flush=True)
os._exit(0)  # killed: no close
"""
    child = _child(data, code, 300, tmp_env)
    assert next(child) == "ready"
    holder = sqlite3.connect(data / "taskrun.db")
    holder.execute("BEGIN IMMEDIATE")  # nothing the child submits now gets committed
    filler = fill(tiny_disk)
    try:
        uids = json.loads(child.send("go"))
        assert list(child) == []
    finally:
        holder.rollback()
        holder.close()
    filler.unlink()  # room again; the next process replays what the child left
    assert _uids_after_replay(data, tmp_env) == set(uids)
