"""Which scheduled tasks are due: cron, interval and one-off schedules with the missed-run
policy, on an injectable clock. The host's poller asks every tick; one host per data dir means
a schedule never fires twice."""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from taskrun_gui.core import schedule as sched
from taskrun_gui.storage.tasks_repo import TaskRow

log = logging.getLogger(__name__)

LATE_TOLERANCE = timedelta(seconds=5)  # fires this recent are "due", not "missed"
# Where the monotonic clock counts sleep too (Windows), a sleep is not seen as a clock jump:
# there a gap between two looks longer than this is taken for one, not for a stall (a busy
# store, a reconnect). Elsewhere a sleep is a jump, and a stall of any length is a stall.
MAX_STALL_S: float | None = 120.0 if sys.platform == "win32" else None


@dataclass
class Fire:
    task: TaskRow
    at: datetime


@dataclass
class FireTimes:
    task_id: int
    next_fire_at: int | None
    last_fire_at: int | None


def _ms(dt: datetime | None) -> int | None:
    return None if dt is None else int(dt.timestamp() * 1000)


def _dt(ms: int, like: datetime) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=like.tzinfo)


class Scheduler:
    def __init__(self, clock: sched.Clock = sched.system_clock) -> None:
        self.clock = clock
        self._fired: dict[int, int] = {}  # task id -> last fire (ms) this host acted on
        self._mono: float | None = None
        self._wall: datetime | None = None

    def forget(self, task_id: int) -> None:
        """A fire of the task was not acted on after all (its claim did not go through): the
        next look plans from the store's last fire again."""
        self._fired.pop(task_id, None)

    def due(self, tasks: list[TaskRow]) -> tuple[list[Fire], list[FireTimes]]:
        """Fires to start now, and the fire times to store for tasks whose times changed."""
        now = self.clock()
        previous = self._wall
        jumped = self._note_clock_jump(now)
        # a fire since this scheduler's previous look passed while it was there (a stalled
        # pass: a busy store, a reconnect): late, it runs; one from before its first look,
        # or from across a sleep, passed while no host was: missed
        due_within = LATE_TOLERANCE
        if previous is not None and not jumped:
            gap = max(0.0, now.timestamp() - previous.timestamp())
            if MAX_STALL_S is None or gap <= MAX_STALL_S:
                due_within += timedelta(seconds=gap)
        fires: list[Fire] = []
        changes: list[FireTimes] = []
        for task in tasks:
            s = task.spec.schedule
            if not (task.spec.enabled and s.is_set and s.enabled):
                if task.next_fire_at is not None:
                    changes.append(FireTimes(task.id, None, task.last_fire_at))
                continue
            # the store's last fire may lag (written by the writer, which may be failing):
            # what this host fired itself counts too, so a fire is never acted on twice
            anchor_ms = max(task.last_fire_at or task.created_at, self._fired.get(task.id, 0))
            anchor = _dt(anchor_ms, now)
            plan = sched.plan_fires(s, anchor, now, s.missed, due_within=due_within)
            run = plan.run
            if (
                not run
                and plan.passed > 1
                and plan.last_fire is not None
                # in absolute time: one zone's datetimes subtract by wall clock
                and now.timestamp() - anchor.timestamp() <= LATE_TOLERANCE.total_seconds()
            ):
                # several fire times passed since a tick moments ago (a short interval, a busy
                # host): that is lateness, not a sleep; run the latest once
                run = [plan.last_fire]
            if run:
                fires.append(Fire(task, run[-1]))
            if plan.last_fire is not None:
                self._fired[task.id] = max(self._fired.get(task.id, 0), _ms(plan.last_fire) or 0)
            last_ms = _ms(plan.last_fire) if plan.last_fire is not None else task.last_fire_at
            next_ms = _ms(plan.next_fire)
            if (next_ms, last_ms) != (task.next_fire_at, task.last_fire_at):
                changes.append(FireTimes(task.id, next_ms, last_ms))
        return fires, changes

    def _note_clock_jump(self, now: datetime) -> bool:
        """Whether the wall clock moved beyond the monotonic one since the previous look."""
        mono = time.monotonic()
        jump = 0.0
        if self._mono is not None and self._wall is not None:
            jump = sched.detect_clock_jump(self._mono, self._wall, mono, now)
            if abs(jump) > 0:
                log.info(
                    "wall clock jumped %.0f s (sleep or clock change); missed-run policy applies",
                    jump,
                )
        self._mono, self._wall = mono, now
        return jump != 0
