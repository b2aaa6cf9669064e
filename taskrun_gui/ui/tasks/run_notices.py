"""Shows what core.alerts decides when a run of a task ends: the notices of its finish, and
the slow-run and success-rate alerts. Settings are read at each run so a change in the
Settings dialog applies at once; what the decisions need from the store (the slow flag, the
task's recent statuses) is read on a worker."""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Signal

from taskrun_gui.core import alerts
from taskrun_gui.core.alerts import AlertSettings, Level, Notice
from taskrun_gui.core.insights import AlertTracker
from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.storage import runs_repo, trends_repo
from taskrun_gui.ui import settings_dialog as cfg
from taskrun_gui.ui.notifications import Notifier
from taskrun_gui.ui.query import QueryRunner
from taskrun_gui.ui.tasks.task_table_model import TaskTableModel


def alert_settings(settings: QSettings) -> AlertSettings:
    """The window's notification and alert settings as core.alerts reads them."""
    return AlertSettings(
        on_failure=cfg.setting_bool(settings, cfg.KEY_NOTIFY_FAILURE),
        on_recovery=cfg.setting_bool(settings, cfg.KEY_NOTIFY_RECOVERY),
        on_finish=cfg.setting_bool(settings, cfg.KEY_NOTIFY_FINISH),
        slow_run=cfg.setting_bool(settings, cfg.KEY_ALERT_SLOW),
        success_rate_below=cfg.setting_int(settings, cfg.KEY_ALERT_RATE) / 100,
        window_runs=cfg.setting_int(settings, cfg.KEY_ALERT_WINDOW) or 20,
    )


class RunNotices(QObject):
    rate_checked = Signal(int)  # task id: its success-rate alert state is up to date

    def __init__(
        self,
        notifier: Notifier,
        settings: QSettings,
        tasks: TaskTableModel,
        parent: QObject | None = None,
        query: QueryRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self._query = query
        self.alerts = AlertTracker()
        self._notifier = notifier
        self._settings = settings
        self._tasks = tasks
        # task id -> the final status of its last chain of attempts (None: not known)
        self._last_final: dict[int, RunStatus | None] = {}

    def run_finished(self, rec: RunRecord) -> None:
        if rec.status is RunStatus.CANCELLED:
            return
        if rec.task_id in self._last_final:
            previous = self._last_final[rec.task_id]
        else:
            previous = self._stored_last_status(rec)
        attempts = self._attempts_if_retried(rec)
        settings = alert_settings(self._settings)
        for notice in alerts.decide(rec, previous, attempts, settings):
            self._show(notice)
        self._last_final[rec.task_id] = alerts.status_to_remember(rec, previous, attempts)
        self._alert(rec, settings)

    def _show(self, notice: Notice) -> None:
        if notice.level is Level.NOTE:
            self._notifier.note(notice.title, notice.text, notice.run_uid)
        else:
            self._notifier.notify(notice.title, notice.text, str(notice.level), notice.run_uid)

    def _alert(self, rec: RunRecord, settings: AlertSettings) -> None:
        """The alerts need the store's view (the slow flag is set where the run is recorded):
        one read on a worker, once the writer has caught up."""
        if self._query is None:
            return
        task_id, uid, writer = rec.task_id, rec.uid, self._query.writer
        window = settings.window_runs

        def read() -> tuple[RunRecord | None, list[str]]:
            writer.flush(2.0)
            return runs_repo.get_by_uid(uid), trends_repo.recent_statuses(task_id, window)

        self._query.read(read, lambda got: self._on_alert_facts(rec, *got, settings), owner=self)

    def _on_alert_facts(
        self,
        rec: RunRecord,
        stored: RunRecord | None,
        statuses: list[str],
        settings: AlertSettings,
    ) -> None:
        flagged = stored is not None and stored.slow
        slow = alerts.slow_notice(rec, flagged, settings, self.alerts)
        if slow is not None:
            self._show(slow)
        rate = alerts.success_rate_notice(rec, statuses, settings, self.alerts)
        self.rate_checked.emit(rec.task_id)
        if rate is not None:
            self._show(rate)

    def _attempts_if_retried(self, rec: RunRecord) -> int | None:
        """core.alerts.attempts_if_retried against the task as the table has it (its current
        version); a task the table does not show (yet) counts as the chain's last."""
        row = None if not rec.status.is_retried else self._tasks.row_of(rec.task_id)
        if row is None:
            return None
        task = self._tasks.overview(row).task
        return alerts.attempts_if_retried(rec, task.version, task.spec.retries)

    def _stored_last_status(self, rec: RunRecord) -> RunStatus | None:
        """The task's last status as the table loaded it, when that was an earlier chain (an
        earlier attempt of this chain failed, but that was never told)."""
        row = self._tasks.row_of(rec.task_id)
        last = None if row is None else self._tasks.overview(row).last
        if last is None or last.uid == rec.uid:
            return None
        chain = rec.first_uid or rec.uid
        return None if chain in (last.uid, last.first_uid) else last.status
