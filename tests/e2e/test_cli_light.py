"""A `taskrun` call is cheap (issue 13): each command imports what it needs only, and a run
queued to a serving host is taken at once, through the host's wake-up socket, not at its next
poll."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from taskrun_gui.engine.locks import host_lock
from taskrun_gui.engine.poller import ForeignRun, HostPoller
from taskrun_gui.storage.db import Store
from tests.e2e.cli import cli_env, taskrun

HEAVY = ("PySide6", "numpy", "pyqtgraph", "pygments")
# What the command runs, then which of `names` its process has imported, one a line.
PROBE = """
import contextlib, io, sys
from taskrun_gui.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(sys.argv[2:])
    except SystemExit:
        pass
for name in sys.argv[1].split(","):
    if name in sys.modules:
        print(name)
"""


def imported(data_dir: Path, names: tuple[str, ...], *args: str) -> list[str]:
    res = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(names), *args],
        env=cli_env(data_dir),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    return res.stdout.split()


def test_help_imports_neither_the_store_nor_the_engine(tmp_path: Path) -> None:
    names = (*HEAVY, "peewee", "taskrun_gui.storage.db", "taskrun_gui.engine.host")
    assert imported(tmp_path, names, "--help") == []


def test_runs_imports_no_widgets_and_no_supervisor(tmp_path: Path) -> None:
    assert taskrun(tmp_path, "task", "add", "noop", "--command", "true").returncode == 0
    assert taskrun(tmp_path, "run", "noop", "--wait").returncode == 0
    names = (*HEAVY, "psutil", "taskrun_gui.engine.supervise", "taskrun_gui.engine.host")
    assert imported(tmp_path, names, "runs", "--limit", "20") == []


def test_a_queued_run_wakes_the_serving_hosts_poller(store: Store, tmp_path: Path) -> None:
    """The poller looks once an hour here: only the command's nudge can make it find the
    run (without it the wait below runs out and the assertion fails)."""
    assert taskrun(store.data_dir, "task", "add", "noop", "--command", "true").returncode == 0
    found: list[ForeignRun] = []
    got = threading.Event()

    def on_queued(runs: list[ForeignRun]) -> None:
        found.extend(runs)
        got.set()

    lock = host_lock(store.locks_dir)
    assert lock.try_acquire()  # this test is the serving host: the command spawns none
    poller = HostPoller(store, on_queued, lambda _recs: None, lambda _uid: False, 3600.0)
    poller.start()
    try:
        res = taskrun(store.data_dir, "run", "noop")
        assert res.returncode == 0, res.stderr
        got.wait(30)
    finally:
        poller.stop()
        lock.release()
    assert [f.record.task_name for f in found] == ["noop"]
    assert res.stdout.strip() == f"run {found[0].record.id} of 'noop' queued"
