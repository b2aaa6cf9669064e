"""Each queued run executes once, whatever the store does meanwhile: a host starts a run
another process queued only once its claim is in the store; a daemon leaving with records the
store refused, stopped by a signal, or having finished nothing starts no successor; a window on
a read-only store starts nothing. Executions are counted by a task appending a line to a file
outside the data dir."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.cli import popen_taskrun, taskrun, taskrun_json

PY = sys.executable
BLOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""
QUEUE = """
import sys
from pathlib import Path
from taskrun_gui.core.models import Trigger
from taskrun_gui.engine import records
from taskrun_gui.storage import run_writes, tasks_repo
from taskrun_gui.storage.db import Store
store = Store(Path(sys.argv[1])).open()
t = tasks_repo.get(sys.argv[2])
with run_writes.immediate_transaction():
    for _ in range(int(sys.argv[3])):
        rec = records.new_run(t.id, t.version, t.spec, {}, Trigger.CLI, store.logs_dir)
        run_writes.apply_op("insert_run", rec.uid, run_writes.record_fields(rec))
"""


def _until(what: Callable[[], object], timeout: float = 60, why: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if what():
            return
        time.sleep(0.1)
    raise AssertionError(f"never happened: {why}")


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def _daemons(data: Path) -> list[int]:
    """Live `daemon --exit-when-idle` processes of this data dir."""
    out = subprocess.run(["ps", "-ww", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [
        int(line.split()[0])
        for line in out.splitlines()
        if f"--data-dir {data} daemon --exit-when-idle" in line
    ]


def _daemons_started(data: Path) -> int:
    log = data / "daemon.out"
    return log.read_text().count("daemon serving") if log.exists() else 0


def _statuses(data: Path) -> list[str]:
    return sorted(r["status"] for r in taskrun_json(data, "runs", "--json"))


@pytest.fixture
def counted(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A data dir with a task `count` that appends a line to `executions` (outside it)."""
    data, marks = tmp_path / "data", tmp_path / "executions"
    res = taskrun(data, "task", "add", "count", "--command", f"echo ran >> {marks}")
    assert res.returncode == 0, res.stderr
    yield data, marks
    for pid in _daemons(data):
        os.kill(pid, signal.SIGKILL)


def _queue(data: Path, n: int, task: str = "count") -> None:
    res = subprocess.run([PY, "-c", QUEUE, str(data), task, str(n)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_a_write_locked_store_starts_nothing_until_the_claim_is_recorded(
    counted: tuple[Path, Path],
) -> None:
    data, marks = counted
    _queue(data, 3)
    blocker = subprocess.Popen(
        [PY, "-c", BLOCKER, str(data / "taskrun.db")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert blocker.stdout is not None and blocker.stdout.readline() == "locked\n"
    daemon = popen_taskrun(
        data, "--data-dir", str(data), "daemon", "--exit-when-idle", TASKRUN_STORE_WAIT_S="1"
    )
    try:
        assert daemon.stderr is not None
        seen = ""
        while "history store failing" not in seen:  # its claim was refused
            line = daemon.stderr.readline()
            assert line, f"the daemon ended: {seen}"
            seen += line
        assert _lines(marks) == 0  # nothing started while the claim could not be recorded
        assert daemon.poll() is None  # it waits for the store, runs still queued
    finally:
        blocker.communicate("\n", timeout=30)
    _, err = daemon.communicate(timeout=60)
    assert daemon.returncode == 0
    assert "Traceback" not in seen + err
    assert _lines(marks) == 3
    _until(lambda: not _daemons(data), why="the daemons ended")
    assert _lines(marks) == 3 and _statuses(data) == ["success"] * 3
    assert _daemons_started(data) == 0  # no successor: nothing was left queued


def test_sigterm_to_a_daemon_starts_no_successor(counted: tuple[Path, Path]) -> None:
    data, _marks = counted
    assert taskrun(data, "task", "add", "slow", "--command", "sleep 1").returncode == 0
    res = taskrun(data, "run", "slow", "--repeat", "20")
    assert res.returncode == 0, res.stderr
    _until(lambda: _daemons(data), why="run started a daemon")
    (first,) = _daemons(data)
    _until(lambda: "running" in _statuses(data), why="a run started")
    os.kill(first, signal.SIGTERM)
    _until(lambda: first not in _daemons(data), why="the daemon stopped")
    assert _daemons(data) == []  # a successor is spawned before its predecessor exits
    assert _daemons_started(data) == 1
    assert "Traceback" not in (data / "daemon.out").read_text()
    assert "queued" in _statuses(data)  # left for the next host


def test_settings_not_utf8_runs_with_defaults_and_spawns_one_daemon(
    counted: tuple[Path, Path],
) -> None:
    data, marks = counted
    (data / "settings.toml").write_bytes(b"log_cap_bytes = 0\n\xa0\n")  # Latin-1
    res = taskrun(data, "run", "count", "--repeat", "2")
    assert res.returncode == 0, res.stderr
    _until(lambda: _lines(marks) == 2, why="both runs ran")
    _until(lambda: not _daemons(data), why="the daemon ended")
    assert _statuses(data) == ["success", "success"]
    assert _daemons_started(data) == 1
    assert _lines(marks) == 2
    assert "Traceback" not in (data / "daemon.out").read_text()


def test_a_window_on_a_read_only_store_starts_nothing(qtbot, counted: tuple[Path, Path]) -> None:
    from taskrun_gui.executor.host import Host
    from taskrun_gui.storage.db import Store

    data, marks = counted
    _queue(data, 1)
    os.chmod(data / "taskrun.db", 0o400)
    try:
        for _launch in range(2):
            store = Store(data).open()
            assert store.read_only
            host = Host(store, 1)
            told: list[str] = []
            host.executor.store_health_changed.connect(lambda _ok, msg, t=told: t.append(msg))
            assert host.try_serve()
            qtbot.waitUntil(lambda t=told: bool(t), timeout=10_000)
            assert "not started" in told[-1]
            qtbot.wait(300)  # (a run would have started by now: the poller looks every 0.5 s)
            host.close(timeout=2)
            store.close()
    finally:
        os.chmod(data / "taskrun.db", 0o600)
    assert _lines(marks) == 0
    assert _statuses(data) == ["queued"]


def test_a_burst_runs_each_run_once(counted: tuple[Path, Path]) -> None:
    """A burst queued by one CLI still runs each run once (claimed in batches)."""
    data, marks = counted
    res = taskrun(data, "run", "count", "--repeat", "200")
    assert res.returncode == 0, res.stderr
    _until(lambda: _lines(marks) >= 200 and not _daemons(data), timeout=120, why="all ran")
    assert _lines(marks) == 200
    runs = json.loads(taskrun(data, "runs", "--json", "--limit", "300").stdout)
    assert [r["status"] for r in runs] == ["success"] * 200
    assert _daemons_started(data) == 1
