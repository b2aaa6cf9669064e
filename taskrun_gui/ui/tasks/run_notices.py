"""Shows what core.alerts decides when a run of a task ends: the notices of its finish, and
the slow-run and success-rate alerts. The notification switches (window preferences) are read
at each run so a change in the Settings dialog applies at once; the alerts wait for the change
hub to say the store holds the finish, then read the data dir's policy (the thresholds, as a
daemon reads them) and the task's recent statuses on a worker. Nothing flushes the writer."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, QSettings, Signal

from taskrun_gui.core import alerts
from taskrun_gui.core.alerts import AlertSettings, Level, Notice
from taskrun_gui.core.insights import AlertTracker
from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.core.notify_rules import desktop_events
from taskrun_gui.core.policy import Policy
from taskrun_gui.storage import policy_file, trends_repo
from taskrun_gui.ui import settings_keys as cfg
from taskrun_gui.ui.change_hub import RunChanges
from taskrun_gui.ui.notifications import Notifier
from taskrun_gui.ui.query import QueryRunner
from taskrun_gui.ui.tasks.task_table_model import TaskTableModel

MAX_UNRECORDED = 1000


def alert_settings(settings: QSettings) -> AlertSettings:
    """The window's notification switches as core.alerts reads them."""
    return AlertSettings(
        on_failure=cfg.setting_bool(settings, cfg.KEY_NOTIFY_FAILURE),
        on_recovery=cfg.setting_bool(settings, cfg.KEY_NOTIFY_RECOVERY),
        on_finish=cfg.setting_bool(settings, cfg.KEY_NOTIFY_FINISH),
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
        self._unrecorded: dict[str, RunRecord] = {}  # uid -> a finish the store may not hold

    def apply_changes(self, changes: RunChanges) -> None:
        """What the change hub announced: each finish is told, then the alerts of the
        finishes the store holds (they may come with a later announcement)."""
        for rec in changes.finished:
            self.run_finished(rec)
        if changes.recorded:
            self.runs_recorded(changes.recorded)

    def run_finished(self, rec: RunRecord) -> None:
        if rec.status is RunStatus.CANCELLED:
            return  # the user asked for it: nothing to tell, and no failure streak changes
        if rec.task_id in self._last_final:
            previous = self._last_final[rec.task_id]
        else:
            previous = self._stored_last_status(rec)
        attempts = self._attempts_if_retried(rec)
        for notice in alerts.decide(rec, previous, attempts, self._switches(rec)):
            self._show(notice)
        self._last_final[rec.task_id] = alerts.status_to_remember(rec, previous, attempts)
        self._alert(rec)

    def _switches(self, rec: RunRecord) -> AlertSettings:
        """The window's switches, or the task's own `desktop:` rule when it has one."""
        row = self._tasks.row_of(rec.task_id)
        own = None if row is None else desktop_events(self._tasks.overview(row).task.spec.notify)
        if own is None:
            return alert_settings(self._settings)
        return AlertSettings("failure" in own, "recovery" in own, "finish" in own)

    def _show(self, notice: Notice) -> None:
        if notice.level is Level.NOTE:
            self._notifier.note(notice.title, notice.text, notice.run_uid)
        else:
            self._notifier.notify(notice.title, notice.text, str(notice.level), notice.run_uid)

    def _alert(self, rec: RunRecord) -> None:
        """The alerts need the store's view (the slow flag is set where the run is recorded)
        and the data dir's policy: they wait for the change hub to say the store holds the
        finish (`runs_recorded`); nothing flushes the writer."""
        if self._query is not None:
            self._unrecorded[rec.uid] = rec
            while len(self._unrecorded) > MAX_UNRECORDED:  # finishes the store never took
                del self._unrecorded[next(iter(self._unrecorded))]

    def runs_recorded(self, slow: dict[str, bool]) -> None:
        """The store holds these finishes (uid -> what it decided on `slow`): one read of
        the policy and the task's recent statuses on a worker, which sees them."""
        for uid, is_slow in slow.items():
            rec = self._unrecorded.pop(uid, None)
            if rec is not None and self._query is not None:
                self._read_alert_facts(replace(rec, slow=is_slow), self._query)

    def _read_alert_facts(self, rec: RunRecord, query: QueryRunner) -> None:
        task_id, data_dir = rec.task_id, query.store.data_dir

        def read() -> tuple[list[str], Policy]:
            policy = policy_file.load(data_dir)
            return trends_repo.recent_statuses(task_id, policy.alert_window), policy

        query.read(read, lambda got: self._on_alert_facts(rec, *got), owner=self)

    def _on_alert_facts(self, rec: RunRecord, statuses: list[str], policy: Policy) -> None:
        slow = alerts.slow_notice(rec, rec.slow, policy, self.alerts)
        if slow is not None:
            self._show(slow)
        rate = alerts.success_rate_notice(rec, statuses, policy, self.alerts)  # as a daemon
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
        return alerts.attempts_if_retried(rec, task.version, task.spec)

    def _stored_last_status(self, rec: RunRecord) -> RunStatus | None:
        """The task's last status as the table loaded it, when that was an earlier chain (an
        earlier attempt of this chain failed, but that was never told)."""
        row = self._tasks.row_of(rec.task_id)
        last = None if row is None else self._tasks.overview(row).last
        if last is None or last.uid == rec.uid:
            return None
        chain = rec.first_uid or rec.uid
        return None if chain in (last.uid, last.first_uid) else last.status
