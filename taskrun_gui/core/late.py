"""The dead man's switch: when a scheduled task that has not succeeded is late. Pure, so the
engine (window or daemon alike) and the tests judge the same way.

A task is late when its first fire after its last success (or, never having succeeded, after
it was created) plus a grace time has passed with no success since. The grace defaults to one
period of the schedule, at least a minute and at most an hour; a task may set its own. A
one-off (`at`) schedule is never late: there is no period to miss."""

from __future__ import annotations

from datetime import datetime

from taskrun_gui.core.local_zone import local_time
from taskrun_gui.core.models import TaskSpec
from taskrun_gui.core.schedule import next_fire

MIN_GRACE_S = 60
MAX_GRACE_S = 3600


def _dt(ms: int) -> datetime:
    """Local: a cron's times of day are the system zone's, as the scheduler fires them (in
    UTC a `0 9 * * *` task was judged late at 06:00 in New York)."""
    return local_time(ms / 1000)


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def late_after(spec: TaskSpec, since_ms: int) -> int | None:
    """Epoch ms after which the task is late, counting from `since_ms` (its last success or
    its creation); None for a task that cannot be late (unscheduled, disabled, one-off)."""
    sched = spec.schedule
    if not spec.enabled or not sched.enabled or not (sched.cron or sched.every_seconds):
        return None
    anchor = _dt(since_ms)
    first = next_fire(sched, anchor, anchor=anchor)
    if first is None:
        return None
    second = next_fire(sched, first, anchor=anchor)
    period_s = second.timestamp() - first.timestamp() if second is not None else MAX_GRACE_S
    grace = spec.grace_seconds
    if grace is None:
        grace = int(min(MAX_GRACE_S, max(MIN_GRACE_S, period_s)))
    return _ms(first) + grace * 1000
