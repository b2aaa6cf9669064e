"""A window following a daemon takes over when it dies, even when another process holds the
host lock for a moment right then, and is told of every run it followed that is over now."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.engine.locks import host_alive, host_pid
from taskrun_gui.executor.host import Host
from taskrun_gui.storage import runs_repo
from taskrun_gui.storage.db import Store
from tests.e2e.cli import popen_taskrun
from tests.helpers import add_task, py_task

HOLD_DB = """
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE"); print("locked", flush=True); time.sleep(float(sys.argv[2]))
"""


def _daemon(data: Path) -> subprocess.Popen[str]:
    Store(data).open().close()
    daemon = popen_taskrun(data, "daemon")
    deadline = time.monotonic() + 20
    while host_pid(data / "locks") != daemon.pid or not host_alive(data / "locks"):
        assert daemon.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    return daemon


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _stop(daemon: subprocess.Popen[str]) -> None:
    if daemon.poll() is None:
        daemon.kill()
    daemon.communicate()


def test_the_window_serves_although_the_lock_was_held_when_the_daemon_died(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    daemon = _daemon(data)
    store = Store(data).open()
    host = Host(store, 1)
    holders: list[threading.Timer] = []
    grabbed = threading.Event()
    take_lock = host._take_lock

    def after_the_grab() -> bool:  # the window's try comes after "another process" took it
        grabbed.wait(10)  # (the host_gone it answers is queued before the grab runs)
        return take_lock()

    monkeypatch.setattr(host, "_take_lock", after_the_grab)
    try:
        assert not host.try_serve()
        host.become_client()

        def grab() -> None:  # on the watcher's thread, between its look and the takeover
            if holders:
                return
            fd = os.open(data / "locks" / "host.lock", os.O_RDWR)
            _flock_soon(fd)  # "another process", for 0.3 s
            timer = threading.Timer(0.3, os.close, (fd,))
            timer.start()  # before it is seen: the test joins it
            holders.append(timer)
            grabbed.set()

        host.executor.current._watched_host_gone.connect(  # type: ignore[attr-defined]
            grab, Qt.ConnectionType.DirectConnection
        )
        daemon.kill()
        daemon.wait(10)
        qtbot.waitUntil(lambda: bool(holders), timeout=10_000)
        holders[0].join(10)
        quick = add_task(store, py_task("quick", "print('hi')"))
        rec = host.executor.enqueue(quick.id, quick.version, quick.spec)[0]
        qtbot.waitUntil(lambda: host.serving, timeout=10_000)

        def done() -> bool:
            host.writer.flush(5)
            got = runs_repo.get_by_uid(rec.uid)
            return got is not None and got.status is RunStatus.SUCCESS

        qtbot.waitUntil(done, timeout=20_000)
    finally:
        host.close()
        store.close()
        _stop(daemon)


def test_a_finish_replayed_from_the_dead_daemons_journal_reaches_the_window(
    qtbot: QtBot, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    daemon = _daemon(data)
    store = Store(data).open()
    host = Host(store, 1)
    holder = None
    try:
        assert not host.try_serve()
        host.become_client()
        ex = host.executor
        t = add_task(store, py_task("quick", "import sys, time; time.sleep(1.5); sys.exit(3)"))
        rec = ex.enqueue(t.id, t.version, t.spec)[0]
        qtbot.waitUntil(lambda: [r.uid for r in ex.running()] == [rec.uid], timeout=20_000)
        finals: list[tuple[str, str]] = []

        def finished(r: RunRecord) -> None:
            finals.append((r.uid, str(r.status)))

        ex.run_finished.connect(finished)
        db = str(data / "taskrun.db")
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD_DB, db, "6"], stdout=subprocess.PIPE, text=True
        )
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        (running,) = ex.running()
        assert running.pid is not None
        # the task exits while the store is locked: the daemon keeps its finish in its journal
        qtbot.waitUntil(lambda: _gone(running.pid), timeout=20_000)

        def journaled() -> bool:  # reaped is not yet recorded: wait for the finish's line
            for path in (data / "spool").glob("journal-*.jsonl"):
                text = path.read_bytes()
                if b"RunFinished" in text and rec.uid.encode() in text:
                    return True
            return False

        qtbot.waitUntil(journaled, timeout=20_000)
        with qtbot.waitSignal(ex.serving_changed, timeout=30_000):
            daemon.kill()
            daemon.wait(10)
        # recovery waits (on its thread) for the locked store to take the replay
        qtbot.waitUntil(lambda: (rec.uid, "failed") in finals, timeout=60_000)
        stored = runs_repo.get_by_uid(rec.uid)
        assert stored is not None and (stored.status, stored.exit_code) == (RunStatus.FAILED, 3)
        assert finals.count((rec.uid, "failed")) == 1
    finally:
        host.close()
        store.close()
        _stop(daemon)
        if holder is not None:
            holder.kill()
            holder.wait()


def _flock_soon(fd: int) -> None:
    """Take the lock within a second: a host_alive() probe of this process (the watcher's, a
    poller's) holds it for a few microseconds, and a grab meeting one must not fail the test."""
    deadline = time.monotonic() + 1.0
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.001)
