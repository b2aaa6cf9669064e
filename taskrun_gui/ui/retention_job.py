"""Applies the retention settings once a day (and on demand): old finished runs and their
logs are deleted, never queued or running runs (storage.retention guarantees that).

Never on the UI thread, and never as one long write: the cleanup runs on a query worker and
hands each batch's deletion to the serialized writer as a job of its own, so the run records
submitted meanwhile are written between two batches instead of waiting for the whole cleanup
(a run's `running` row is among them). Stopping takes effect at the next batch."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from taskrun_gui.storage import retention
from taskrun_gui.storage.retention import CleanupResult
from taskrun_gui.ui import settings_dialog as cfg
from taskrun_gui.ui.context import AppContext

KEY_LAST_RUN = "retention/last_run"
DAY_SECONDS = 86_400
CHECK_EVERY_MS = 60 * 60 * 1000


class CleanupStopped(Exception):
    """The job was stopped (the app is quitting) between two batches."""


class RetentionJob(QObject):
    cleaned = Signal(object)  # CleanupResult
    failed = Signal(str)

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.busy = False
        self._stopping = threading.Event()
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_EVERY_MS)
        self.timer.timeout.connect(self._on_timer_timeout)

    def start(self) -> None:
        """Check now (the app may have been closed for days) and then every hour."""
        self.timer.start()
        QTimer.singleShot(0, self._on_timer_timeout)

    def stop(self) -> None:
        self.timer.stop()
        self._stopping.set()

    def _on_timer_timeout(self) -> None:
        last = float(str(self.ctx.settings.value(KEY_LAST_RUN, 0) or 0))
        if time.time() - last >= DAY_SECONDS:
            self.run_now()

    def run_now(self) -> bool:
        """Clean up with the current settings; False when there is nothing to apply."""
        days = cfg.setting_int(self.ctx.settings, cfg.KEY_RETENTION_DAYS)
        per_task = cfg.setting_int(self.ctx.settings, cfg.KEY_RETENTION_PER_TASK)
        if self.busy or (not days and not per_task):
            return False
        self.busy = True
        self._stopping.clear()
        store, writer, stopping = self.ctx.store, self.ctx.writer, self._stopping

        def commit(work: Callable[[], object]) -> object:
            """On the worker: one batch as one job of the writer, back once committed."""
            if stopping.is_set():
                raise CleanupStopped()
            return writer.submit(work).result()

        self.ctx.query.read(
            lambda: retention.cleanup(store, days or None, per_task or None, commit),
            self._on_done,
            self._on_error,
            owner=self,
        )
        return True

    def _on_done(self, result: CleanupResult) -> None:
        self.busy = False
        self.ctx.settings.setValue(KEY_LAST_RUN, time.time())
        self.cleaned.emit(result)

    def _on_error(self, exc: Exception) -> None:
        self.busy = False
        if not isinstance(exc, CleanupStopped):
            self.failed.emit(str(exc))
