"""The CLI as the executor host: `taskrun daemon`, and `taskrun run --wait` when no host is
alive. A QCoreApplication event loop drives the same ExecutorService the window uses."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QTimer

from taskrun_gui import qt_gc
from taskrun_gui.cli.common import warn
from taskrun_gui.cli.log_notice import tell_log_error
from taskrun_gui.core.models import RunRecord
from taskrun_gui.executor.host import Host
from taskrun_gui.storage.db import Store

IDLE_CHECK_MS = 100


def core_app() -> QCoreApplication:
    app = QCoreApplication.instance()
    if app is None:
        app = QCoreApplication(sys.argv[:1])
    assert isinstance(app, QCoreApplication)
    qt_gc.install(app)
    return app


def _on_health(ok: bool, message: str) -> None:
    if ok:
        print("taskrun: the history store accepts writes again", file=sys.stderr)
    else:
        warn(
            f"history store failing ({message}); the task still runs and its record will be "
            "written when the store accepts it"
        )


def make_host(store: Store, workers: int | None, schedules: bool = False) -> Host:
    core_app()
    return Host(store, workers, on_health=_on_health, schedules=schedules)


def serve(
    host: Host,
    exit_when_idle: bool,
    on_stop: str = "finish",
    setup: Callable[[Host], None] | None = None,
    on_finished: Callable[[RunRecord], None] | None = None,
    on_output: Callable[[str, str, int], None] | None = None,
) -> int:
    """Run the event loop until stopped (SIGTERM/SIGINT) or, with exit_when_idle, until
    nothing is queued or running."""
    app = core_app()
    ex = host.executor
    stopping = {"asked": False}

    idle_since: list[int] = []  # the poller's mark when nothing was seen going

    def quit_if_idle() -> None:
        """Idle is nothing going here and nothing queued elsewhere that the poller has not
        handed over yet (a burst of thousands takes it more than one look)."""
        if ex.is_busy():
            idle_since.clear()
        elif not idle_since:
            idle_since.append(ex.poll_mark())
        elif ex.handed_over_since(idle_since[0]):
            app.quit()

    def quit_when_runs_end() -> None:
        """Stopping: wait for what runs, not for the queue (it stays queued in the store for
        the next host)."""
        if not ex.running():
            app.quit()

    def on_signal(signum: int, _frame: object) -> None:
        if stopping["asked"]:  # a second Ctrl+C: cancel now
            for rec in ex.running():
                ex.cancel(rec.uid)
            return
        stopping["asked"] = True
        ex.set_queue_paused(True)
        if on_stop == "cancel":
            for rec in ex.running():
                ex.cancel(rec.uid)
        QTimer.singleShot(0, quit_when_runs_end)
        ex.run_finished.connect(lambda _rec: quit_when_runs_end())

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    ticker = QTimer()  # lets Python run its signal handlers while Qt waits
    ticker.start(200)
    ticker.timeout.connect(lambda: None)
    ex.run_finished.connect(tell_log_error)
    if on_finished is not None:
        ex.run_finished.connect(on_finished)
    if on_output is not None:
        ex.run_output.connect(on_output)
    idle_check = QTimer()
    if exit_when_idle:
        idle_check.timeout.connect(quit_if_idle)
        idle_check.start(IDLE_CHECK_MS)
    if setup is not None:
        setup(host)
    try:
        app.exec()
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
        ticker.stop()
        idle_check.stop()
        host.close(cancel_running=True)
    return 0
