"""The executor of a window whose data dir another process (a `taskrun daemon`) hosts: it
queues into the store for that host, records cancel/pause/resume for it, and follows its runs
(status from the store, output from the log files), with the same signals as the host: the
executor interface's implementation for a window that does not serve its data dir."""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, Signal, Slot

from taskrun_gui.core.models import Control, RunRecord, RunStatus, TaskSpec, Trigger
from taskrun_gui.core.run_events import ControlRequested
from taskrun_gui.engine import records
from taskrun_gui.engine.queueing import new_jobs, queued_event
from taskrun_gui.engine.watcher import RunWatcher
from taskrun_gui.executor.interface import RunSignals
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import StoreWriter


class ClientExecutor(RunSignals):
    host_gone = Signal()  # nobody serves the data dir any more
    _watched = Signal(object, object)  # (active runs, changed runs), from the watcher thread
    _watched_output = Signal(str, str, object)
    _watched_host_gone = Signal()
    _health = Signal(bool, str)  # from the writer's thread

    def __init__(
        self,
        store: Store,
        writer: StoreWriter,
        workers: int | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.writer = writer
        self._workers = max(1, workers or os.cpu_count() or 2)  # the host's own count rules
        self._active_runs: list[RunRecord] = []
        self._paused = False
        self._watcher = RunWatcher(
            store,
            self._watched.emit,
            self._watched_output.emit,
            on_host_gone=self._watched_host_gone.emit,
        )
        self._watched.connect(self._on_watched)
        self._watched_output.connect(self.run_output)
        self._watched_host_gone.connect(self.host_gone)
        writer.on_health = self._health.emit
        self._health.connect(self.store_health_changed)

    def start(self) -> None:
        self._watcher.start()

    def shutdown(self, cancel_running: bool = True, timeout: float = 10.0) -> None:
        """Stop watching; the runs belong to the host and go on."""
        del cancel_running, timeout
        self._watcher.stop()

    def enqueue(
        self,
        task_id: int,
        version: int,
        spec: TaskSpec,
        given: dict[str, str] | None = None,
        trigger: Trigger = Trigger.MANUAL,
        repeat: int = 1,
        priority: int | None = None,
        hosts: list[str] | None = None,
        parallel: int | None = None,
    ) -> list[RunRecord]:
        """Queued in the store, where the host finds them."""
        jobs = new_jobs(
            self.store, task_id, version, spec, given, trigger, repeat, priority, hosts, parallel
        )
        for job in jobs:
            rec = job.record  # secrets first: the host may see the row at once
            records.save_secret_values(self.store.secrets_dir, rec.uid, job.spec, job.values)
            self.run_queued.emit(rec)
            self.writer.submit(queued_event(job.record), lazy=True)
        return [job.record for job in jobs]

    def queue(self) -> list[RunRecord]:
        waiting = [r for r in self._active_runs if r.status is RunStatus.QUEUED]
        return sorted(waiting, key=lambda r: (-r.priority, r.id or 0))

    def queue_uids(self) -> set[str]:
        return {r.uid for r in self._active_runs}

    def running(self) -> list[RunRecord]:
        return [r for r in self._active_runs if r.status.is_live]

    def shown_secrets(self, uid: str) -> list[str] | None:
        """Off the UI thread (it reads the store): see RunExecutor."""
        return records.stored_run_secrets(uid, self.store.secrets_dir)

    def is_busy(self) -> bool:
        return bool(self._active_runs)

    def move(self, uid: str, new_index: int) -> None:
        """The host's queue order is its own."""

    def _request(self, uid: str, control: Control) -> bool:
        """Recorded on the run; its host acts on it within a second."""
        self.writer.submit(ControlRequested(uid, control))
        return True

    def cancel(self, uid: str) -> bool:
        return self._request(uid, Control.CANCEL)

    def pause(self, uid: str) -> bool:
        return self._request(uid, Control.PAUSE)

    def resume(self, uid: str) -> bool:
        return self._request(uid, Control.RESUME)

    @property
    def workers(self) -> int:
        return self._workers

    def set_workers(self, n: int) -> None:
        self._workers = max(1, n)  # applies when this window serves the data dir itself

    def set_queue_paused(self, paused: bool) -> None:
        """Shown as asked; the host's own queue is its to pause."""
        self._paused = paused

    @property
    def queue_paused(self) -> bool:
        return self._paused

    @Slot(object, object)
    def _on_watched(self, active: list[RunRecord], changed: list[RunRecord]) -> None:
        self._active_runs = active
        for rec in changed:
            self.run_state_changed.emit(rec)
            if rec.status.is_final:
                self.run_finished.emit(rec)
        self.queue_changed.emit()
        if not self.is_busy():
            self.idle.emit()
