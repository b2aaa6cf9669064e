"""Shared test helpers: a real store in tmp_path and task specs for real child processes."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from taskrun_gui.core.models import TaskKind, TaskSpec
from taskrun_gui.storage import tasks_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.tasks_repo import TaskRow

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from taskrun_gui.ui.context import AppContext
    from taskrun_gui.ui.main_window import MainWindow

PY = sys.executable


def py_task(name: str, code: str, **kw: object) -> TaskSpec:
    """A task running `code` with this interpreter, as an argv command (no shell)."""
    import shlex

    return TaskSpec(name=name, command=shlex.join([PY, "-c", code]), shell=False, **kw)  # type: ignore[arg-type]


def shell_task(name: str, line: str, **kw: object) -> TaskSpec:
    return TaskSpec(name=name, command=line, shell=True, **kw)  # type: ignore[arg-type]


def script_task(name: str, script: str, interpreter: str = "bash", **kw: object) -> TaskSpec:
    return TaskSpec(name=name, kind=TaskKind.SCRIPT, script=script, interpreter=interpreter, **kw)  # type: ignore[arg-type]


def add_task(store: Store, spec: TaskSpec) -> TaskRow:
    with store.db.atomic():
        return tasks_repo.create(spec)


def read_log(path: str | Path) -> bytes:
    return Path(path).read_bytes()


def gone(pid: int) -> bool:
    """The process has ended (a zombie waiting for a reaper counts as ended)."""
    import psutil

    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def tree_code(pidfile: Path, tail: str) -> str:
    """Python code that starts two children, one of them in a session of its own (it left the
    process group), writes their pids to `pidfile`, then runs `tail`."""
    return (
        "import subprocess, sys, time\n"
        "a = subprocess.Popen(['sleep', '60'])\n"
        "b = subprocess.Popen(['sleep', '61'], start_new_session=True)\n"
        f"open({str(pidfile)!r}, 'w').write(f'{{a.pid}} {{b.pid}}')\n"
        "print('children started', flush=True)\n"
        f"{tail}\n"
    )


def wait_for(condition: object, timeout: float = 10.0) -> None:
    """Poll a condition without Qt (for plain unit tests); fail after `timeout` seconds.
    The pause between looks grows from 10 ms to 50 ms: a condition met at once is seen at
    once, and a long wait (a burst on a PostgreSQL server, each look a connection of its
    own) does not take the CPU from what it waits for, nor from the tests beside it."""
    import time

    assert callable(condition)
    deadline = time.monotonic() + timeout
    pause = 0.01
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(pause)
        pause = min(pause * 1.25, 0.05)


def exec_done(pid: int) -> bool:
    """The child has exec'd its program (before that, /proc shows the parent's command)."""
    import psutil

    try:
        return len(psutil.Process(pid).cmdline()) > 1
    except psutil.Error:
        return False


@contextlib.contextmanager
def app_context(
    tmp_path: Path, workers: int = 1, schedules: bool = True, db_url: str | None = None
) -> Iterator[AppContext]:
    """What the window gets, on a real store in tmp_path (its history in PostgreSQL with
    `db_url`) with a real host serving it; shut down in order afterwards."""
    from PySide6.QtCore import QSettings

    from taskrun_gui.executor.host import Host
    from taskrun_gui.ui.context import AppContext
    from taskrun_gui.ui.query import QueryRunner

    store = Store(tmp_path / "data", db_url).open()
    host = Host(store, workers, schedules=schedules)
    assert host.try_serve()
    query = QueryRunner(store, host.writer)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    ctx = AppContext(store, host.writer, host.executor, query, settings)
    try:
        yield ctx
    finally:
        ctx.hub.close()
        host.close(timeout=10)
        query.wait_idle()
        store.close()


@contextlib.contextmanager
def shown_window(qtbot: QtBot, ctx: AppContext) -> Iterator[MainWindow]:
    """The main window on `ctx`, shown and exposed; closed afterwards without asking."""
    from taskrun_gui.ui.main_window import MainWindow

    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.confirm_quit = lambda _running, _queued: True  # type: ignore[method-assign]
    win.close()
