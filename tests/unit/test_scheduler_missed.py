"""A fire time that passed while no host was there is missed, not late: `--missed skip`
leaves it, `once` runs it; one that passed moments ago (a busy tick) is late and runs."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from taskrun_gui.core import schedule as sched
from taskrun_gui.core.models import MissedPolicy, Schedule
from taskrun_gui.engine.scheduler import Scheduler

T0 = datetime(2027, 1, 4, 12, tzinfo=UTC).timestamp()


def _fired(schedule: Schedule, ticks: list[float]) -> list[float]:
    """Seconds after T0 of the fire times run, the scheduler looking at each of `ticks`."""
    now = [T0]
    scheduler = Scheduler(clock=lambda: sched.local_time(now[0]))
    task = SimpleNamespace(
        id=1,
        spec=SimpleNamespace(enabled=True, schedule=schedule),
        next_fire_at=None,
        last_fire_at=None,
        created_at=int(T0 * 1000),
    )
    fired = []
    for tick in ticks:
        now[0] = T0 + tick
        fires, changes = scheduler.due([task])  # type: ignore[list-item]
        fired += [f.at.timestamp() - T0 for f in fires]
        for c in changes:
            task.next_fire_at, task.last_fire_at = c.next_fire_at, c.last_fire_at
    return fired


DOWN = [*range(0, 51), *range(70, 130)]  # no host from 50 s to 70 s: the 60 s fire passes


@pytest.mark.parametrize(("missed", "runs"), [("skip", [120.0]), ("once", [60.0, 120.0])])
def test_a_single_fire_passed_while_no_host_was_there(missed: str, runs: list[float]) -> None:
    every = Schedule(every_seconds=60, missed=MissedPolicy(missed))
    assert _fired(every, DOWN) == runs


def test_a_fire_seen_a_few_seconds_late_still_runs_under_skip() -> None:
    every = Schedule(every_seconds=60, missed=MissedPolicy.SKIP)
    assert _fired(every, [*range(0, 58), 63, *range(64, 130)]) == [60.0, 120.0]


def test_a_one_off_time_runs_however_late() -> None:
    at = Schedule(at=datetime.fromtimestamp(T0 + 60, UTC).isoformat(), missed=MissedPolicy.SKIP)
    assert _fired(at, DOWN) == [60.0]
