"""A window on a data dir that a `taskrun daemon` serves: it queues into the daemon, sees
status and output live, and its cancel reaches the daemon."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from taskrun_gui.core.models import RunStatus
from taskrun_gui.engine.locks import host_alive, host_pid
from taskrun_gui.executor.host import Host
from taskrun_gui.storage.db import Store
from tests.e2e.cli import popen_taskrun
from tests.helpers import add_task, py_task


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Path]:
    data = tmp_path / "data"
    Store(data).open().close()
    proc = popen_taskrun(data, "daemon", "--on-stop", "cancel")
    deadline = time.monotonic() + 20
    # the daemon itself, not its own start-up check (which holds the host lock a moment)
    while not (host_alive(data / "locks") and host_pid(data / "locks") == proc.pid):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the daemon did not start"
        time.sleep(0.05)
    yield data
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    assert proc.returncode == 0


def test_window_follows_runs_of_the_daemon(qtbot, daemon):
    store = Store(daemon).open()
    host = Host(store, 1)
    try:
        assert not host.try_serve()
        host.become_client()
        ex = host.executor
        task = add_task(store, py_task("remote", "print('from the daemon', flush=True)"))
        texts: list[str] = []
        finals: list = []
        ex.run_output.connect(lambda uid, text, off: texts.append(text))
        ex.run_finished.connect(finals.append)
        rec = ex.enqueue(task.id, task.version, task.spec)[0]
        qtbot.waitUntil(lambda: any(f.uid == rec.uid for f in finals), timeout=20_000)
        final = next(f for f in finals if f.uid == rec.uid)
        assert final.status is RunStatus.SUCCESS
        assert "from the daemon" in "".join(texts)

        slow = add_task(
            store, py_task("remote-slow", "import time; print('up', flush=True); time.sleep(60)")
        )
        rec = ex.enqueue(slow.id, slow.version, slow.spec)[0]
        qtbot.waitUntil(lambda: [r.uid for r in ex.running()] == [rec.uid], timeout=20_000)
        assert rec.pid is None and ex.running()[0].pid is not None
        assert psutil.Process(ex.running()[0].pid).ppid() != os.getpid()  # the daemon runs it
        assert ex.cancel(rec.uid)
        qtbot.waitUntil(lambda: any(f.uid == rec.uid for f in finals), timeout=20_000)
        assert next(f for f in finals if f.uid == rec.uid).status is RunStatus.CANCELLED
        assert ex.running() == []
    finally:
        host.close()
        store.close()


def test_run_wait_runs_directly_when_the_queue_cannot_be_written(daemon: Path) -> None:
    import sqlite3

    from tests.e2e.cli import taskrun, taskrun_json

    marker = daemon.parent / "ran-here"
    assert (
        taskrun(
            daemon, "task", "add", "direct", "--command", f"echo direct > {marker}; echo out"
        ).returncode
        == 0
    )
    blocker = sqlite3.connect(daemon / "taskrun.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        res = taskrun(daemon, "run", "direct", "--wait", TASKRUN_BUSY_TIMEOUT_MS="100")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert res.returncode == 0, res.stderr
    assert "running the task here directly" in res.stderr
    assert marker.read_text() == "direct\n"  # execution won over tracking
    runs = taskrun_json(daemon, "runs", "--json")  # the kept record is written now
    assert [(r["task"], r["status"]) for r in runs] == [("direct", "success")]
    assert Path(runs[0]["log_path"]).read_bytes() == b"out\n"


def test_a_stopped_daemon_finishes_what_runs_and_leaves_the_queue(tmp_path: Path) -> None:
    from tests.e2e.cli import taskrun, taskrun_json

    data = tmp_path / "data"
    assert taskrun(data, "task", "add", "nap", "--command", "sleep 1").returncode == 0
    proc = popen_taskrun(data, "--workers", "1", "daemon")
    deadline = time.monotonic() + 20
    while not host_alive(data / "locks"):
        assert time.monotonic() < deadline, "the daemon did not start"
        time.sleep(0.05)
    assert taskrun(data, "run", "nap", "--repeat", "3").returncode == 0
    while [r["status"] for r in taskrun_json(data, "runs", "--json")].count("running") != 1:
        assert time.monotonic() < deadline + 20, "no run started"
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=20)  # it ends once the running run has finished
    assert proc.returncode == 0
    statuses = sorted(r["status"] for r in taskrun_json(data, "runs", "--json"))
    assert statuses == ["queued", "queued", "success"]  # left for the next host


def test_window_takes_over_when_its_daemon_dies(qtbot, tmp_path: Path) -> None:
    """kill -9 of the daemon a window follows: the window serves the data dir from then on,
    says so, marks the run the daemon left interrupted (its process gone), and runs queued
    afterwards are executed, not stranded."""
    from PySide6.QtCore import QSettings

    from taskrun_gui.ui.context import AppContext
    from taskrun_gui.ui.main_window import MainWindow
    from taskrun_gui.ui.query import QueryRunner

    data = tmp_path / "data"
    Store(data).open().close()
    daemon = popen_taskrun(data, "daemon")
    deadline = time.monotonic() + 20
    while host_pid(data / "locks") != daemon.pid or not host_alive(data / "locks"):
        assert daemon.poll() is None and time.monotonic() < deadline, "no daemon"
        time.sleep(0.05)
    store = Store(data).open()
    host = Host(store, 1)
    query = QueryRunner(store, host.writer)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(AppContext(store, host.writer, host.executor, query, settings), "following")
    assert not win.host_label.isHidden()
    try:
        assert not host.try_serve()
        host.become_client()
        ex = host.executor
        slow = add_task(
            store, py_task("slow", "import time; print('up', flush=True); time.sleep(120)")
        )
        left = ex.enqueue(slow.id, slow.version, slow.spec)[0]
        qtbot.waitUntil(lambda: [r.uid for r in ex.running()] == [left.uid], timeout=20_000)
        pid = ex.running()[0].pid
        assert pid is not None and psutil.pid_exists(pid)
        with qtbot.waitSignal(ex.serving_changed, timeout=20_000) as changed:
            daemon.kill()
            daemon.wait(10)
        assert changed.args[0] is True
        assert f"pid {daemon.pid}" in changed.args[1]
        assert host.serving and ex.serving
        assert win.host_label.isHidden() and win.host_label.text() == ""  # no daemon named
        assert any(n.message == changed.args[1] for n in win.notifier.history())
        finals: list = []
        ex.run_finished.connect(finals.append)
        quick = add_task(store, py_task("quick", "print('after the daemon', flush=True)"))
        rec = ex.enqueue(quick.id, quick.version, quick.spec)[0]
        qtbot.waitUntil(lambda: any(f.uid == rec.uid for f in finals), timeout=20_000)
        assert next(f for f in finals if f.uid == rec.uid).status is RunStatus.SUCCESS
        assert host.writer.flush(10)
        from taskrun_gui.storage import runs_repo

        stranded = runs_repo.get_by_uid(left.uid)
        assert stranded is not None and stranded.status is RunStatus.INTERRUPTED
        gone = not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"
        assert gone, "the dead daemon's run was left running"
    finally:
        win.shutdown()
        host.close()
        query.wait_idle()
        store.close()
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait(10)
        daemon.communicate()
