"""The scheduler on an injected clock: right fire times, no bursts after a sleep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from taskrun_gui.core.models import MissedPolicy, Schedule, TaskSpec
from taskrun_gui.engine.scheduler import Scheduler
from taskrun_gui.storage.tasks_repo import TaskRow

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def row(
    schedule: Schedule, last: datetime | None = None, created: datetime = T0, enabled: bool = True
) -> TaskRow:
    spec = TaskSpec(name="t", command="true", schedule=schedule, enabled=enabled)
    return TaskRow(
        1, "t", spec, 1, ms(created), ms(created), None, None if last is None else ms(last)
    )


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_cron_fires_at_its_minutes_only():
    clock = Clock(T0 + timedelta(minutes=14, seconds=30))
    sched = Scheduler(clock)
    task = row(Schedule(cron="*/15 * * * *"))
    fires, times = sched.due([task])
    assert fires == []
    assert times[0].next_fire_at == ms(T0 + timedelta(minutes=15))
    clock.now = T0 + timedelta(minutes=15, seconds=1)
    task.last_fire_at = times[0].last_fire_at
    fires, times = sched.due([task])
    assert [f.at for f in fires] == [T0 + timedelta(minutes=15)]
    assert times[0].last_fire_at == ms(T0 + timedelta(minutes=15))
    assert times[0].next_fire_at == ms(T0 + timedelta(minutes=30))


def test_interval_counts_from_creation_then_last_fire():
    clock = Clock(T0 + timedelta(seconds=299))
    sched = Scheduler(clock)
    task = row(Schedule(every_seconds=300))
    assert sched.due([task])[0] == []
    clock.now = T0 + timedelta(seconds=301)
    fires, times = sched.due([task])
    assert [f.at for f in fires] == [T0 + timedelta(seconds=300)]
    assert times[0].next_fire_at == ms(T0 + timedelta(seconds=600))


def test_missed_runs_after_a_sleep_never_burst():
    slept = Clock(T0 + timedelta(hours=3, minutes=30))
    hourly_skip = row(Schedule(cron="0 * * * *", missed=MissedPolicy.SKIP), last=T0)
    hourly_once = row(Schedule(cron="0 * * * *", missed=MissedPolicy.ONCE), last=T0)
    fires, times = Scheduler(slept).due([hourly_skip])
    assert fires == []
    assert times[0].last_fire_at == ms(T0 + timedelta(hours=3))  # the backlog is consumed
    fires, _ = Scheduler(slept).due([hourly_once])
    assert [f.at for f in fires] == [T0 + timedelta(hours=3)]


def test_a_busy_host_is_late_not_asleep():
    clock = Clock(T0 + timedelta(seconds=2.5))
    task = row(Schedule(every_seconds=1), last=T0)
    fires, _ = Scheduler(clock).due([task])
    assert len(fires) == 1


def test_disabled_and_one_off_schedules():
    clock = Clock(T0 + timedelta(hours=1))
    off = row(Schedule(every_seconds=60, enabled=False))
    task_off = row(Schedule(every_seconds=60), enabled=False)
    assert Scheduler(clock).due([off, task_off])[0] == []
    once = row(Schedule(at=(T0 + timedelta(minutes=30)).isoformat()))
    fires, times = Scheduler(clock).due([once])
    assert len(fires) == 1
    once.last_fire_at = times[0].last_fire_at
    assert Scheduler(clock).due([once])[0] == []  # it ran once; never again


def test_a_fire_is_acted_on_once_even_before_the_store_records_it():
    clock = Clock(T0 + timedelta(minutes=15, seconds=1))
    sched = Scheduler(clock)
    task = row(Schedule(cron="*/15 * * * *"))  # last_fire_at stays None: the write lags
    assert len(sched.due([task])[0]) == 1
    clock.now += timedelta(seconds=0.5)
    assert sched.due([task])[0] == []
    clock.now += timedelta(seconds=1)
    assert sched.due([task])[0] == []


def test_a_fire_forgotten_is_planned_again_from_the_store():
    """A fire whose claim did not go through (a shared history out of reach) is not lost:
    forgotten, the next look fires it again, as the store never recorded it."""
    clock = Clock(T0 + timedelta(minutes=15, seconds=1))
    sched = Scheduler(clock)
    task = row(Schedule(cron="*/15 * * * *"))
    assert len(sched.due([task])[0]) == 1
    sched.forget(task.id)
    clock.now += timedelta(seconds=1)
    assert len(sched.due([task])[0]) == 1
