"""One run on a QThreadPool thread. Its signals live on a separate QObject, made once by the
service on its own thread and shared by every run (each signal names its run), so every emit
reaches the UI as a queued call and no run pays for a QObject and its connections."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QRunnable, Signal

from taskrun_gui.engine.runner import RunHooks, RunJob, RunResult, execute_run
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import StoreWriter

log = logging.getLogger(__name__)


class RunSignals(QObject):
    state_changed = Signal(object)  # RunRecord: running, paused, or final
    output = Signal(str, str, object)  # run uid, text batch, log byte offset after it
    finished = Signal(object)  # RunResult


class RunWorker(QRunnable):
    def __init__(self, job: RunJob, store: Store, writer: StoreWriter, signals: RunSignals) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the service keeps it until `finished` is handled
        self.job = job
        self.store = store
        self.writer = writer
        self.signals = signals

    @property
    def uid(self) -> str:
        return self.job.record.uid

    def run(self) -> None:
        uid = self.job.record.uid
        signals = self.signals
        hooks = RunHooks(
            on_state=signals.state_changed.emit,
            on_output=lambda text, offset: signals.output.emit(uid, text, offset),
        )
        try:
            result = execute_run(self.job, self.store, self.writer, hooks)
        except Exception:  # execute_run records its own failures; this is the last guard
            log.exception("worker for run %s crashed", uid)
            result = RunResult(self.job.record)
        signals.finished.emit(result)
