"""What to tell the user when a run of a task ends: a failure, a recovery (a success after a
failure of the same task) and, if asked for, every finish; and the alerts: a run much slower
than usual, and a task whose success rate over its last runs falls under the threshold (once
per change of state, not at every run). Settings are read at each run so a change in the
Settings dialog applies at once."""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Signal

from taskrun_gui.core.insights import AlertKind, AlertTracker
from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.core.stats import success_rate
from taskrun_gui.core.timefmt import human_duration
from taskrun_gui.storage import runs_repo, trends_repo
from taskrun_gui.ui import settings_dialog as cfg
from taskrun_gui.ui.notifications import Notifier
from taskrun_gui.ui.query import QueryRunner
from taskrun_gui.ui.tasks.task_table_model import TaskTableModel

FAILURES = frozenset({RunStatus.FAILED, RunStatus.TIMEOUT, RunStatus.ERROR, RunStatus.INTERRUPTED})


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
        self._alert(rec)

    def _alert(self, rec: RunRecord) -> None:
        """The alerts need the store's view (the slow flag is set where the run is recorded):
        one read on a worker, once the writer has caught up."""
        if self._query is None:
            return
        threshold = cfg.setting_int(self._settings, cfg.KEY_ALERT_RATE) / 100
        window = cfg.setting_int(self._settings, cfg.KEY_ALERT_WINDOW) or 20
        task_id, uid, writer = rec.task_id, rec.uid, self._query.writer

        def read() -> tuple[RunRecord | None, list[str]]:
            writer.flush(2.0)
            return runs_repo.get_by_uid(uid), trends_repo.recent_statuses(task_id, window)

        self._query.read(
            read, lambda got: self._on_alert_facts(rec, *got, threshold, window), owner=self
        )

    def _on_alert_facts(
        self,
        rec: RunRecord,
        stored: RunRecord | None,
        statuses: list[str],
        threshold: float,
        window: int,
    ) -> None:
        wanted = stored is not None and stored.slow and self._wanted(cfg.KEY_ALERT_SLOW)
        if wanted and self.alerts.slow_run(rec.task_id, rec.uid, rec.duration_ms or 0):
            took = human_duration(rec.duration_seconds)
            self._notifier.notify(f"{rec.task_name}: slow run",
                                  f"It took {took}, much longer than usual.", "warning",
                                  rec.uid)  # fmt: skip
        if threshold <= 0:
            self.rate_checked.emit(rec.task_id)
            return
        self._on_recent_statuses(rec, statuses, threshold, window)

    def _on_recent_statuses(
        self, rec: RunRecord, statuses: list[str], threshold: float, window: int
    ) -> None:
        if len(statuses) < max(4, window // 2):  # too few runs to judge a rate
            self.rate_checked.emit(rec.task_id)
            return
        counts = {s: statuses.count(s) for s in set(statuses)}
        alert = self.alerts.observe(rec.task_id, success_rate(counts), threshold)
        self.rate_checked.emit(rec.task_id)
        if alert is None or alert.value is None:
            return
        rate = f"{alert.value * 100:.0f} % of the last {len(statuses)} runs succeeded"
        if alert.kind is AlertKind.LOW_SUCCESS_RATE:
            self._notifier.notify(f"{rec.task_name} is failing often",
                                  f"{rate} (threshold {threshold * 100:.0f} %).", "warning",
                                  rec.uid)  # fmt: skip
        else:
            self._notifier.notify(f"{rec.task_name} is healthy again", rate + ".", "info",
                                  rec.uid)  # fmt: skip

    def _wanted(self, key: str) -> bool:
        return cfg.setting_bool(self._settings, key)

    def _stored_last_status(self, rec: RunRecord) -> RunStatus | None:
        """The task's last status as the table loaded it, when that was an earlier run."""
        row = self._tasks.row_of(rec.task_id)
        last = None if row is None else self._tasks.overview(row).last
        return last.status if last is not None and last.uid != rec.uid else None
