"""A fire time that passed while no host was there is missed, not late: `--missed skip`
leaves it, `once` runs it. One that passed while the host was there but busy (a stalled
pass) is late and runs, however long the stall, where a sleep stops the monotonic clock."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from taskrun_gui.core import local_zone
from taskrun_gui.core.models import MissedPolicy, Schedule
from taskrun_gui.engine import scheduler as scheduler_mod
from taskrun_gui.engine.scheduler import Scheduler

T0 = datetime(2027, 1, 4, 12, tzinfo=UTC).timestamp()


class Host:
    """A scheduler looking at one task at the given seconds after T0; `restart_at`: the
    host is gone before that tick (a new scheduler, as a new process has)."""

    def __init__(self, schedule: Schedule, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = T0
        self.monotonic = 0.0  # runs with the wall clock: no sleep, no clock change
        clock = SimpleNamespace(monotonic=lambda: self.monotonic)
        monkeypatch.setattr(scheduler_mod, "time", clock)
        self.task = SimpleNamespace(
            id=1,
            spec=SimpleNamespace(enabled=True, schedule=schedule),
            next_fire_at=None,
            last_fire_at=None,
            created_at=int(T0 * 1000),
        )
        self.scheduler = Scheduler(clock=lambda: local_zone.local_time(self.now))

    def fired(self, ticks: list[float], restart_at: float | None = None) -> list[float]:
        fired: list[float] = []
        for tick in ticks:
            if tick == restart_at:
                self.scheduler = Scheduler(clock=lambda: local_zone.local_time(self.now))
            scheduler = self.scheduler
            self.monotonic += T0 + tick - self.now
            self.now = T0 + tick
            fires, changes = scheduler.due([self.task])  # type: ignore[list-item]
            fired += [f.at.timestamp() - T0 for f in fires]
            for c in changes:
                self.task.next_fire_at, self.task.last_fire_at = c.next_fire_at, c.last_fire_at
        return fired


TICKS = [*range(0, 51), *range(70, 130)]  # no look from 50 s to 70 s: the 60 s fire passes


@pytest.mark.parametrize(("missed", "runs"), [("skip", [120.0]), ("once", [60.0, 120.0])])
def test_a_single_fire_passed_while_no_host_was_there(
    monkeypatch: pytest.MonkeyPatch, missed: str, runs: list[float]
) -> None:
    host = Host(Schedule(every_seconds=60, missed=MissedPolicy(missed)), monkeypatch)
    assert host.fired(TICKS, restart_at=70) == runs


def test_a_fire_passed_during_a_stalled_look_runs_under_skip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    host = Host(Schedule(every_seconds=60, missed=MissedPolicy.SKIP), monkeypatch)
    assert host.fired(TICKS) == [60.0, 120.0]  # the same host, 20 s between two looks


def test_a_fire_passed_during_a_sleep_is_missed(monkeypatch: pytest.MonkeyPatch) -> None:
    host = Host(Schedule(every_seconds=60, missed=MissedPolicy.SKIP), monkeypatch)
    before = host.fired(list(range(0, 51)))
    host.monotonic -= 20  # the machine slept from 50 s to 70 s: its monotonic clock stopped
    assert before + host.fired(list(range(70, 130))) == [120.0]


def test_a_one_off_time_runs_however_late(monkeypatch: pytest.MonkeyPatch) -> None:
    when = datetime.fromtimestamp(T0 + 60, UTC).isoformat()
    host = Host(Schedule(at=when, missed=MissedPolicy.SKIP), monkeypatch)
    assert host.fired(TICKS, restart_at=70) == [60.0]


def test_a_pass_too_long_for_a_stall_is_taken_for_a_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the monotonic clock counts a sleep too (Windows), an hour between two looks
    is a sleep; elsewhere a sleep stops that clock (a jump), and this is a stall."""
    monkeypatch.setattr(scheduler_mod, "MAX_STALL_S", 120.0)
    host = Host(Schedule(every_seconds=3600, missed=MissedPolicy.SKIP), monkeypatch)
    ticks = [*range(0, 600, 30), *range(3900, 7500, 30)]  # none from 10 min to 65 min
    assert host.fired(ticks) == [7200.0]  # the 1 h fire passed asleep


def test_a_long_stall_where_sleeps_are_jumps_still_runs_its_fire(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(scheduler_mod, "MAX_STALL_S", None)  # Linux, macOS
    host = Host(Schedule(every_seconds=3600, missed=MissedPolicy.SKIP), monkeypatch)
    ticks = [*range(0, 600, 30), *range(3900, 7500, 30)]  # a store away for 55 minutes
    assert host.fired(ticks) == [3600.0, 7200.0]
