"""The window's host of its data dir: the engine host (engine/host.py) on a QThreadPool, its
home thread the UI thread. This bridge owns the pace at which the workers' reports reach the
UI thread (at most every MAIL_EVERY seconds, at once for the last run of a burst) and turns
the host's events into the signals widgets connect to."""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from taskrun_gui.core.models import RunRecord, TaskSpec, Trigger
from taskrun_gui.engine.host import EngineHost
from taskrun_gui.engine.host_events import (
    HostEvent,
    HostIdle,
    QueueChanged,
    RetentionApplied,
    RunFinished,
    RunOutput,
    RunQueued,
    RunStateChanged,
    StoreHealth,
    SuccessRateAlert,
)
from taskrun_gui.engine.scheduler import Scheduler
from taskrun_gui.executor.backend import Backend
from taskrun_gui.executor.qt_pool import QtRunPool
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import StoreWriter


class ExecutorService(Backend):
    retention_applied = Signal(object, str)  # CleanupResult (None: failed), error
    _mail = Signal()  # from any thread: the host's mailbox has something

    def __init__(
        self,
        store: Store,
        writer: StoreWriter,
        workers: int | None = None,
        poll_interval: float = 0.5,
        parent: QObject | None = None,
        schedules: bool = True,
        scheduler: Scheduler | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.writer = writer
        self._wake = QTimer(self)  # a run waiting out its backoff is due
        self._wake.setSingleShot(True)
        self._mail_timer = QTimer(self)  # see _on_mail
        self._mail_timer.setSingleShot(True)
        self._mail.connect(self._on_mail, Qt.ConnectionType.QueuedConnection)
        pool = QtRunPool(workers or os.cpu_count() or 2, self)
        self.host = EngineHost(
            store,
            writer,
            pool,
            self,
            self._on_event,
            poll_interval,
            schedules,
            scheduler,
            alerts=False,
        )
        self._mailbox = self.host.mailbox
        self._wake.timeout.connect(self.host.dispatch)
        self._mail_timer.timeout.connect(self.host.take_mail)
        self._signals = {
            RunQueued: lambda e: self.run_queued.emit(e.record),
            RunStateChanged: lambda e: self.run_state_changed.emit(e.record),
            RunOutput: lambda e: self.run_output.emit(e.uid, e.text, e.offset),
            RunFinished: lambda e: self.run_finished.emit(e.record),
            QueueChanged: lambda e: self.queue_changed.emit(),
            StoreHealth: lambda e: self.store_health_changed.emit(e.ok, e.message),
            HostIdle: lambda e: self.idle.emit(),
            RetentionApplied: lambda e: self.retention_applied.emit(e.result, e.error),
            SuccessRateAlert: lambda e: None,  # the window judges runs itself (RunNotices)
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
        wait = self._mailbox.delay()
        if self._mailbox.urgent:
            self._mail_timer.stop()
            self.host.take_mail()
        elif self._mail_timer.isActive():
            return
        elif wait > 0:
            self._mail_timer.start(max(1, round(wait * 1000)))
        else:
            self.host.take_mail()

    def _on_event(self, event: HostEvent) -> None:
        self._signals[type(event)](event)

    # -- Backend ----------------------------------------------------------------------------
    def start(self) -> None:
        self.host.start()

    def shutdown(self, cancel_running: bool = True, timeout: float = 10.0) -> None:
        self._wake.stop()
        self.host.shutdown(cancel_running, timeout)

    def enqueue(
        self,
        task_id: int,
        version: int,
        spec: TaskSpec,
        given: dict[str, str] | None = None,
        trigger: Trigger = Trigger.MANUAL,
        repeat: int = 1,
        priority: int | None = None,
    ) -> list[RunRecord]:
        return self.host.enqueue(task_id, version, spec, given, trigger, repeat, priority)

    def cancel(self, uid: str) -> bool:
        return self.host.cancel(uid)

    def pause(self, uid: str) -> bool:
        return self.host.pause(uid)

    def resume(self, uid: str) -> bool:
        return self.host.resume(uid)

    def move(self, uid: str, new_index: int) -> None:
        self.host.move(uid, new_index)

    def queue(self) -> list[RunRecord]:
        return self.host.queue()

    def queue_uids(self) -> set[str]:
        return self.host.queue_uids()

    def running(self) -> list[RunRecord]:
        return self.host.running()

    def is_busy(self) -> bool:
        return self.host.is_busy()

    @property
    def workers(self) -> int:
        return self.host.workers

    def set_workers(self, n: int) -> None:
        self.host.set_workers(n)

    def set_queue_paused(self, paused: bool) -> None:
        self.host.set_queue_paused(paused)

    @property
    def queue_paused(self) -> bool:
        return self.host.queue_paused

    @property
    def poll_interval(self) -> float:
        return self.host.poll_interval
