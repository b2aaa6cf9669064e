"""`taskrun daemon` and `taskrun run --wait` host runs on plain threads: Qt is neither imported
nor loaded in their process, even after they have run a task."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

from taskrun_gui.core.models import RunStatus
from taskrun_gui.engine.locks import host_alive, host_pid
from taskrun_gui.storage import runs_repo
from taskrun_gui.storage.db import Store
from tests.e2e.cli import cli_env, taskrun
from tests.helpers import add_task, py_task

# `taskrun` itself, telling on exit which Qt modules and libraries its process holds
WRAPPER = """
import sys
from taskrun_gui.cli import main
code = main(sys.argv[1:])
mods = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph'))
try:
    libs = sorted({l.split()[-1] for l in open('/proc/self/maps') if 'Qt6' in l})
except OSError:
    libs = []
print('QT-IN-PROCESS', mods, libs, file=sys.stderr)
sys.exit(code)
"""


def _popen(data: Path, *args: str):  # type: ignore[no-untyped-def]
    import subprocess

    return subprocess.Popen(
        [sys.executable, "-c", WRAPPER, *args],
        env=cli_env(data),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_daemon_runs_a_task_without_loading_qt(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(data).open()
    task = add_task(store, py_task("hello", "print('hi from the daemon')"))
    store.close()
    daemon = _popen(data, "daemon")
    deadline = time.monotonic() + 20
    while not (host_alive(data / "locks") and host_pid(data / "locks") == daemon.pid):
        assert daemon.poll() is None, daemon.communicate()
        assert time.monotonic() < deadline, "the daemon did not start"
        time.sleep(0.05)
    res = taskrun(data, "run", task.name, "--wait", "--follow")
    assert res.returncode == 0, res.stderr
    assert "hi from the daemon" in res.stdout
    daemon.send_signal(signal.SIGTERM)
    _, err = daemon.communicate(timeout=30)
    assert daemon.returncode == 0, err
    assert "QT-IN-PROCESS [] []" in err
    store = Store(data).open()
    try:
        (run,) = runs_repo.page_before(runs_repo.RunFilter(), None, 10)
        assert run.status is RunStatus.SUCCESS
    finally:
        store.close()


def test_run_wait_hosts_its_runs_without_loading_qt(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(data).open()
    add_task(store, py_task("twice", "print('ran')"))
    store.close()
    proc = _popen(data, "run", "twice", "--repeat", "2", "--wait", "--follow")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.count("ran") == 2
    assert "QT-IN-PROCESS [] []" in err
