"""What to tell the user when a run ends, decided without Qt or a database, so the window and
a daemon serving the data dir decide the same way (they differ only in how a notice is shown).

When a run of a task ends: a failure (RunStatus.is_failure), a recovery (a success after a
failure of the same task) and, if asked for, every finish. A task with retries is told about
once per chain of attempts: an attempt that will be retried is only a quiet note; the chain's
last attempt says failed (or recovered, or finished). A cancelled run tells nothing: the user
asked for it. The alerts: a run much slower than usual, and a task whose success rate over its
last runs falls under the threshold (once per change of state, see insights.AlertTracker).
The thresholds are the data dir's policy (core.policy.Policy); the notification switches are
the window's preferences (AlertSettings). engine/alerts.py raises the success-rate alert for
a daemon with these same functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from taskrun_gui.core.insights import Alert, AlertKind, AlertTracker
from taskrun_gui.core.models import RunRecord, RunStatus, TaskSpec, retry_due
from taskrun_gui.core.policy import Policy
from taskrun_gui.core.stats import success_rate
from taskrun_gui.core.timefmt import human_duration


class Level(StrEnum):
    NOTE = "note"  # quiet: a line in the history of notices, no pop-up
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Notice:
    """One thing to tell the user about a run; how it is shown is the front end's business."""

    title: str
    text: str
    level: Level
    run_uid: str


@dataclass(frozen=True)
class AlertSettings:
    """The notification switches the decisions read: preferences of one window (QSettings),
    not the data dir's policy. The alert thresholds (slow run, success rate, its window) are
    the policy (core.policy.Policy), which every host serving the data dir applies alike. The
    defaults are those of a new installation."""

    on_failure: bool = True
    on_recovery: bool = True
    on_finish: bool = False


def attempts_if_retried(rec: RunRecord, version: int, spec: TaskSpec) -> int | None:
    """How many attempts the chain may take when the engine retries `rec` (models.retry_due,
    asked of `spec`, the task's current `version`); None when it is the chain's last. A run of
    another version (the task was edited since) counts as the last: a notice too many, never
    one lost."""
    if rec.version != version or not retry_due(rec, spec):
        return None
    return spec.retries + 1


def status_to_remember(
    rec: RunRecord, previous: RunStatus | None, attempts: int | None
) -> RunStatus | None:
    """The task's last final status after `rec`, the `previous` of its next decide(): a
    cancelled run or an attempt to be retried leaves it as it was."""
    if rec.status is RunStatus.CANCELLED or attempts is not None:
        return previous
    return rec.status


def decide(
    rec: RunRecord, previous: RunStatus | None, attempts: int | None, settings: AlertSettings
) -> list[Notice]:
    """The notices for the end of `rec`. `previous` is the final status of the task's last
    chain of attempts (None: not known); `attempts` is attempts_if_retried()."""
    if rec.status is RunStatus.CANCELLED:
        return []  # the user asked for it: nothing to tell, and no failure streak changes
    detail = rec.error_message or (
        f"exit code {rec.exit_code}" if rec.exit_code is not None else str(rec.status)
    )
    name, uid = rec.task_name, rec.uid
    if attempts is not None:  # the chain goes on: what it ends with is told then
        title = f"{name}: attempt {rec.attempt}/{attempts} {rec.status}, retrying"
        return [Notice(title, detail, Level.NOTE, uid)]
    if rec.attempt > 1:
        detail += f" (after {rec.attempt} attempts)"
    recovered = rec.status is RunStatus.SUCCESS and previous is not None and previous.is_failure
    if rec.status.is_failure and settings.on_failure:
        return [Notice(f"{name}: {rec.status}", detail, Level.ERROR, uid)]
    if recovered and settings.on_recovery:
        return [Notice(f"{name} recovered", "It succeeded again.", Level.INFO, uid)]
    if settings.on_finish:
        return [Notice(f"{name} finished", detail, Level.INFO, uid)]
    return []


def slow_notice(
    rec: RunRecord, flagged_slow: bool, policy: Policy, tracker: AlertTracker
) -> Notice | None:
    """A "slow run" notice, once per run, when the store flagged `rec` as slow."""
    if not (flagged_slow and policy.alert_slow_run):
        return None
    if tracker.slow_run(rec.task_id, rec.uid, rec.duration_ms or 0) is None:
        return None
    took = f"It took {human_duration(rec.active_seconds)}, much longer than usual."
    if rec.paused_ms:  # the flag is on the active time: say so when the wall time differs
        took = (
            f"It ran {human_duration(rec.active_seconds)} (paused time left out), "
            "much longer than usual."
        )
    return Notice(f"{rec.task_name}: slow run", took, Level.WARNING, rec.uid)


def rate_is_judged(statuses: list[str], policy: Policy) -> bool:
    """A success rate is judged when the alert is on and enough runs are known: half of the
    policy's window, and at least four."""
    enough = max(4, policy.alert_window // 2)
    return policy.alert_success_rate > 0 and len(statuses) >= enough


def success_rate_alert(
    tracker: AlertTracker, task_id: int, statuses: list[str], policy: Policy
) -> Alert | None:
    """The alert the task's recent `statuses` (oldest first, the policy's window) raise now:
    once when its success rate falls under the threshold, once when it is back (updates
    `tracker`); None otherwise."""
    if not rate_is_judged(statuses, policy):
        return None
    counts = {s: statuses.count(s) for s in set(statuses)}
    alert = tracker.observe(task_id, success_rate(counts), policy.alert_success_rate / 100)
    return None if alert is None or alert.value is None else alert


def describe_rate(alert: Alert, task_name: str, runs: int) -> tuple[str, str]:
    """(title, text) of a success-rate alert as the user reads it, in the window or in the
    daemon's log alike."""
    rate = f"{(alert.value or 0) * 100:.0f} % of the last {runs} runs succeeded"
    if alert.kind is AlertKind.LOW_SUCCESS_RATE:
        limit = f"{rate} (threshold {(alert.threshold or 0) * 100:.0f} %)."
        return f"{task_name} is failing often", limit
    return f"{task_name} is healthy again", rate + "."


def success_rate_notice(
    rec: RunRecord, statuses: list[str], policy: Policy, tracker: AlertTracker
) -> Notice | None:
    """success_rate_alert() for the task of `rec`, as a notice."""
    alert = success_rate_alert(tracker, rec.task_id, statuses, policy)
    if alert is None:
        return None
    title, text = describe_rate(alert, rec.task_name, len(statuses))
    level = Level.WARNING if alert.kind is AlertKind.LOW_SUCCESS_RATE else Level.INFO
    return Notice(title, text, level, rec.uid)
