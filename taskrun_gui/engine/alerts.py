"""The success-rate alert of a data dir for a host that serves it without a window (the
daemon: a line on its stderr, its log). The decision and its wording are core.alerts', which
the window's notices use too; here only what a host needs: reading the task's recent
statuses off its threads, and the policy at each finish."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from taskrun_gui.core import alerts
from taskrun_gui.core.insights import Alert, AlertTracker
from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.storage import policy_file, runs_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import log_failure

log = logging.getLogger(__name__)


def statuses_with(rec: RunRecord, recent: list[tuple[str, str]], window: int) -> list[str]:
    """The task's last `window` statuses, oldest first, with `rec` as it ended. `recent`:
    (uid, status) of the task's last runs, newest first, as read; `rec` is put in front when
    the read did not have it (its final record may not be committed yet: the writer
    batches), and stays there for the runs judged after it from the same read. A run the
    read has (as queued or running: it ended after the read) takes its final status in
    place, so the runs judged after it see how it ended."""
    for i, (uid, _) in enumerate(recent):
        if uid == rec.uid:
            recent[i] = (uid, str(rec.status))
            break
    else:
        recent.insert(0, (rec.uid, str(rec.status)))
    return [status for _, status in reversed(recent[:window])]


@dataclass(frozen=True)
class RaisedAlert:
    alert: Alert
    record: RunRecord  # the run that raised it
    title: str
    text: str


class AlertWatch:
    """A thread that judges the runs a host finishes (reads stay off the host's threads)."""

    def __init__(self, store: Store, on_alert: Callable[[RaisedAlert], None]) -> None:
        self.store = store
        self.on_alert = on_alert
        self.tracker = AlertTracker()
        self._runs: queue.SimpleQueue[RunRecord | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="taskrun-alerts", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def finished(self, rec: RunRecord) -> None:
        if rec.status is not RunStatus.CANCELLED:  # the user asked for it: no streak changes
            self._runs.put(rec)

    def stop(self) -> None:
        self._runs.put(None)
        if self._thread.is_alive():
            self._thread.join(5)

    def _loop(self) -> None:
        try:
            while (batch := self._next_batch()) is not None:
                try:
                    self._judge(batch)
                except Exception as exc:  # a bug of ours must not end the alerts for good
                    log_failure(log, exc, "alert check of %d runs failed", len(batch))
        finally:
            self.store.db.close()  # this thread's connection

    def _next_batch(self) -> list[RunRecord] | None:
        """The runs that ended since the last look, in order (None: stop). A burst of short
        runs is judged with one read per task, not one per run: as if each run's read had
        been made at this moment, which it could have been."""
        batch: list[RunRecord] = []
        item = self._runs.get()
        while item is not None:
            batch.append(item)
            try:
                item = self._runs.get_nowait()
            except queue.Empty:
                return batch
        self._judge(batch)  # what came before the stop
        return None

    def _judge(self, batch: list[RunRecord]) -> None:
        policy = policy_file.load(self.store.data_dir)
        if policy.alert_success_rate <= 0:
            return
        read: dict[int, list[tuple[str, str]] | None] = {}
        for rec in batch:
            if rec.task_id not in read:
                try:
                    read[rec.task_id] = runs_repo.latest_statuses(rec.task_id, policy.alert_window)
                except Exception as exc:  # a busy store: the next run judges again
                    log.debug("alert check of run %s: %s", rec.uid, exc)
                    read[rec.task_id] = None
            recent = read[rec.task_id]
            if recent is None:
                continue
            statuses = statuses_with(rec, recent, policy.alert_window)
            alert = alerts.success_rate_alert(self.tracker, rec.task_id, statuses, policy)
            if alert is not None:
                title, text = alerts.describe_rate(alert, rec.task_name, len(statuses))
                self.on_alert(RaisedAlert(alert, rec, title, text))
