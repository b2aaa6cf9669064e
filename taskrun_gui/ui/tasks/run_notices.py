"""What to tell the user when a run of a task ends: a failure, a recovery (a success after a
failure of the same task) and, if asked for, every finish; and the alerts: a run much slower
than usual, and a task whose success rate over its last runs falls under the threshold (once
per change of state, not at every run), decided as the daemon decides it (engine/alerts.py)
from the data dir's policy. Settings are read at each run so a change in the Settings dialog
applies at once.

A task with retries is told about once per chain of attempts: an attempt that will be retried
is only a quiet note; the chain's last attempt says failed (or recovered, or finished)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, QSettings, Signal

from taskrun_gui.core.insights import AlertKind, AlertTracker
from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.core.policy import Policy
from taskrun_gui.core.timefmt import human_duration
from taskrun_gui.engine import alerts
from taskrun_gui.engine.records import RETRIED_STATUSES, retry_due
from taskrun_gui.storage import policy_file, trends_repo
from taskrun_gui.ui import settings_dialog as cfg
from taskrun_gui.ui.change_hub import RunChanges
from taskrun_gui.ui.notifications import Notifier
from taskrun_gui.ui.query import QueryRunner
from taskrun_gui.ui.tasks.task_table_model import TaskTableModel

FAILURES = frozenset({RunStatus.FAILED, RunStatus.TIMEOUT, RunStatus.ERROR, RunStatus.INTERRUPTED})
MAX_UNRECORDED = 1000


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
        detail = rec.error_message or (
            f"exit code {rec.exit_code}" if rec.exit_code is not None else str(rec.status)
        )
        attempts = self._attempts_if_retried(rec)
        if attempts is not None:  # the chain goes on: what it ends with is told then
            self._last_final[rec.task_id] = previous
            title = f"{rec.task_name}: attempt {rec.attempt}/{attempts} {rec.status}, retrying"
            self._notifier.note(title, detail, rec.uid)
            self._alert(rec)
            return
        self._last_final[rec.task_id] = rec.status
        if rec.attempt > 1:
            detail += f" (after {rec.attempt} attempts)"
        recovered = rec.status is RunStatus.SUCCESS and previous in FAILURES
        name, uid = rec.task_name, rec.uid
        if rec.status in FAILURES and self._wanted(cfg.KEY_NOTIFY_FAILURE):
            self._notifier.notify(f"{name}: {rec.status}", detail, "error", uid)
        elif recovered and self._wanted(cfg.KEY_NOTIFY_RECOVERY):
            self._notifier.notify(f"{name} recovered", "It succeeded again.", "info", uid)
        elif self._wanted(cfg.KEY_NOTIFY_FINISH):
            self._notifier.notify(f"{name} finished", detail, "info", uid)
        self._alert(rec)

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
        wanted = rec.slow and policy.alert_slow_run
        if wanted and self.alerts.slow_run(rec.task_id, rec.uid, rec.duration_ms or 0):
            took = f"It took {human_duration(rec.duration_seconds)}, much longer than usual."
            self._notifier.notify(f"{rec.task_name}: slow run", took, "warning", rec.uid)
        alert = alerts.decide(self.alerts, rec.task_id, statuses, policy)  # as a daemon does
        self.rate_checked.emit(rec.task_id)
        if alert is None:
            return
        title, text = alerts.describe(alert, rec.task_name, len(statuses))
        level = "warning" if alert.kind is AlertKind.LOW_SUCCESS_RATE else "info"
        self._notifier.notify(title, text, level, rec.uid)

    def _attempts_if_retried(self, rec: RunRecord) -> int | None:
        """How many attempts the chain may take, when the engine retries this one (the rule is
        engine.records.retry_due, asked of the version it ran); None when it is the
        chain's last. The table has each task's current version: a run of another version
        (the task was edited since), or of a task the table does not show (yet), counts as
        the last: a notice too many, never one lost."""
        if rec.status not in RETRIED_STATUSES:  # spares a success the table's lookup
            return None
        row = self._tasks.row_of(rec.task_id)
        if row is None:
            return None
        task = self._tasks.overview(row).task
        if task.version != rec.version or not retry_due(rec, task.spec):
            return None
        return task.spec.retries + 1

    def _wanted(self, key: str) -> bool:
        return cfg.setting_bool(self._settings, key)

    def _stored_last_status(self, rec: RunRecord) -> RunStatus | None:
        """The task's last status as the table loaded it, when that was an earlier chain (an
        earlier attempt of this chain failed, but that was never told)."""
        row = self._tasks.row_of(rec.task_id)
        last = None if row is None else self._tasks.overview(row).last
        if last is None or last.uid == rec.uid:
            return None
        chain = rec.first_uid or rec.uid
        return None if chain in (last.uid, last.first_uid) else last.status
