"""Retention applied now, from the Settings dialog ("Clean up now"), with the data dir's
policy; on schedule it is the engine host's (engine/retention_keeper.py), in whichever process
serves the data dir. Old finished runs and their logs are deleted, never queued or running
runs (storage.retention guarantees that).

Never on the UI thread, and never as one long write: the cleanup runs on a query worker and
hands each batch's deletion to the serialized writer as a job of its own, so the run records
submitted meanwhile are written between two batches instead of waiting for the whole cleanup
(a run's `running` row is among them). Stopping takes effect at the next batch."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from taskrun_gui.engine.retention_keeper import CleanupStopped, apply_policy
from taskrun_gui.storage import policy_file
from taskrun_gui.storage.retention import CleanupResult
from taskrun_gui.ui.context import AppContext


class RetentionJob(QObject):
    cleaned = Signal(object)  # CleanupResult
    failed = Signal(str)

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.busy = False
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def run_now(self) -> bool:
        """Clean up with the policy in force; False when it keeps everything."""
        if self.busy or not policy_file.load(self.ctx.store.data_dir).retains:
            return False
        self.busy = True
        self._stopping.clear()
        store, writer, stopping = self.ctx.store, self.ctx.writer, self._stopping
        self.ctx.query.read(
            lambda: apply_policy(store, writer, stopping),
            self._on_done,
            self._on_error,
            owner=self,
        )
        return True

    def _on_done(self, result: CleanupResult | None) -> None:
        self.busy = False
        self.cleaned.emit(result or CleanupResult())

    def _on_error(self, exc: Exception) -> None:
        self.busy = False
        if not isinstance(exc, CleanupStopped):
            self.failed.emit(str(exc))
