"""Applies the retention settings once a day (and on demand): old finished runs and their
logs are deleted on the serialized writer, never on the UI thread, never queued or running
runs (storage.retention guarantees that)."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

from taskrun_gui.storage import retention
from taskrun_gui.storage.retention import CleanupResult
from taskrun_gui.ui import settings_dialog as cfg
from taskrun_gui.ui.context import AppContext

KEY_LAST_RUN = "retention/last_run"
DAY_SECONDS = 86_400
CHECK_EVERY_MS = 60 * 60 * 1000


class RetentionJob(QObject):
    cleaned = Signal(object)  # CleanupResult
    failed = Signal(str)

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.busy = False
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_EVERY_MS)
        self.timer.timeout.connect(self._on_timer_timeout)

    def start(self) -> None:
        """Check now (the app may have been closed for days) and then every hour."""
        self.timer.start()
        QTimer.singleShot(0, self._on_timer_timeout)

    def stop(self) -> None:
        self.timer.stop()

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
        store = self.ctx.store
        self.ctx.query.write(
            lambda: retention.cleanup(store, days or None, per_task or None),
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
        self.failed.emit(str(exc))
