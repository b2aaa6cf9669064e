"""The window's host of its data dir: the engine host (engine/host.py) on a QThreadPool, its
home thread the UI thread; the executor interface's implementation (interface.py) for a window
that serves its data dir. This bridge owns the pace at which the workers' reports reach the UI
thread (at most every MAIL_EVERY seconds, at once for the last run of a burst) and turns the
host's events into the signals widgets connect to."""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from taskrun_gui.engine import host_events as ev
from taskrun_gui.engine.host import EngineHost
from taskrun_gui.executor.interface import RunSignals
from taskrun_gui.executor.qt_pool import QtRunPool
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import StoreWriter


class ExecutorService(EngineHost, RunSignals):
    """The engine host itself (its requests are EngineHost's, none repeated here), with the
    UI thread as its home: the host's `HomeLoop` and `EventSink` are this object."""

    _mail = Signal()  # from any thread: the host's mailbox has something

    def __init__(
        self,
        store: Store,
        writer: StoreWriter,
        workers: int | None = None,
        poll_interval: float = 0.5,
        parent: QObject | None = None,
        schedules: bool = True,
    ) -> None:
        RunSignals.__init__(self, parent)  # the QObject first: the timers and pool are its own
        self._wake = QTimer(self)  # a run waiting out its backoff is due
        self._wake.setSingleShot(True)
        self._mail_timer = QTimer(self)  # see _on_mail
        self._mail_timer.setSingleShot(True)
        self._mail.connect(self._on_mail, Qt.ConnectionType.QueuedConnection)
        pool = QtRunPool(workers or os.cpu_count() or 2, self)
        EngineHost.__init__(
            self,
            store,
            writer,
            pool,
            self,
            self._emit,
            poll_interval,
            schedules,
            alerts=False,
        )
        self._wake.timeout.connect(self.dispatch)
        self._mail_timer.timeout.connect(self.take_mail)
        self._signals = {
            ev.RunQueued: lambda e: self.run_queued.emit(e.record),
            ev.RunStateChanged: lambda e: self.run_state_changed.emit(e.record),
            ev.RunOutput: lambda e: self.run_output.emit(e.uid, e.text, e.offset),
            ev.RunFinished: lambda e: self.run_finished.emit(e.record),
            ev.QueueChanged: lambda e: self.queue_changed.emit(),
            ev.StoreHealth: lambda e: self.store_health_changed.emit(e.ok, e.message),
            ev.HostIdle: lambda e: self.idle.emit(),
            ev.RetentionApplied: lambda e: None,  # the keeper logs a failure; nothing shows it
            ev.SuccessRateAlert: lambda e: None,  # the window judges runs itself (RunNotices)
        }

    # -- HomeLoop: the UI thread is the host's home ------------------------------------------
    def mail_arrived(self) -> None:
        self._mail.emit()

    def dispatch_in(self, seconds: float | None) -> None:
        if seconds is None:
            self._wake.stop()
        else:
            self._wake.start(max(1, round(seconds * 1000)))

    @Slot()
    def _on_mail(self) -> None:
        """Take what workers reported at the mailbox's pace: a burst of short runs wakes
        this thread a few times a second, not three times a run."""
        wait = self.mailbox.delay()
        if self.mailbox.urgent:
            self._mail_timer.stop()
            self.take_mail()
        elif self._mail_timer.isActive():
            return
        elif wait > 0:
            self._mail_timer.start(max(1, round(wait * 1000)))
        else:
            self.take_mail()

    def _emit(self, event: ev.HostEvent) -> None:
        """The host's EventSink: its events as the signals widgets connect to."""
        self._signals[type(event)](event)
