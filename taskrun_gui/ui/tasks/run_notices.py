"""What to tell the user when a run of a task ends: a failure, a recovery (a success after a
failure of the same task) and, if asked for, every finish. Settings are read at each run so a
change in the Settings dialog applies at once."""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings

from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.ui import settings_dialog as cfg
from taskrun_gui.ui.notifications import Notifier
from taskrun_gui.ui.tasks.task_table_model import TaskTableModel

FAILURES = frozenset({RunStatus.FAILED, RunStatus.TIMEOUT, RunStatus.ERROR, RunStatus.INTERRUPTED})


class RunNotices(QObject):
    def __init__(
        self,
        notifier: Notifier,
        settings: QSettings,
        tasks: TaskTableModel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._notifier = notifier
        self._settings = settings
        self._tasks = tasks
        self._last_final: dict[int, RunStatus] = {}  # task id -> last final status seen

    def run_finished(self, rec: RunRecord) -> None:
        if rec.status is RunStatus.CANCELLED:
            return  # the user asked for it: nothing to tell, and no failure streak changes
        previous = self._last_final.get(rec.task_id, self._stored_last_status(rec))
        self._last_final[rec.task_id] = rec.status
        detail = rec.error_message or (
            f"exit code {rec.exit_code}" if rec.exit_code is not None else str(rec.status)
        )
        recovered = rec.status is RunStatus.SUCCESS and previous in FAILURES
        if rec.status in FAILURES and self._wanted(cfg.KEY_NOTIFY_FAILURE):
            self._notifier.notify(f"{rec.task_name}: {rec.status}", detail, "error", rec.uid)
        elif recovered and self._wanted(cfg.KEY_NOTIFY_RECOVERY):
            self._notifier.notify(f"{rec.task_name} recovered", "It succeeded again.", "info",
                                  rec.uid)  # fmt: skip
        elif self._wanted(cfg.KEY_NOTIFY_FINISH):
            self._notifier.notify(f"{rec.task_name} finished", detail, "info", rec.uid)

    def _wanted(self, key: str) -> bool:
        return cfg.setting_bool(self._settings, key)

    def _stored_last_status(self, rec: RunRecord) -> RunStatus | None:
        """The task's last status as the table loaded it, when that was an earlier run."""
        row = self._tasks.row_of(rec.task_id)
        last = None if row is None else self._tasks.overview(row).last
        return last.status if last is not None and last.uid != rec.uid else None
