"""Schedules across daylight-saving changes, in the zone the system clock gives (TZ)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from taskrun_gui.core import schedule as sched
from taskrun_gui.core.models import Schedule
from taskrun_gui.engine.scheduler import Scheduler


def _fires(schedule: Schedule, start_utc: str, days: int) -> list[str]:
    """What a scheduler ticking every 30 s fires over `days` days, clocked the way
    system_clock reads the time."""
    now = [datetime.fromisoformat(start_utc).replace(tzinfo=UTC).timestamp()]
    scheduler = Scheduler(clock=lambda: sched.local_time(now[0]))
    task = SimpleNamespace(
        id=1,
        spec=SimpleNamespace(enabled=True, schedule=schedule),
        next_fire_at=None,
        last_fire_at=None,
        created_at=int(now[0] * 1000),
    )
    fired = []
    end = now[0] + days * 86400
    while now[0] < end:
        fires, changes = scheduler.due([task])  # type: ignore[list-item]
        fired += [f.at.isoformat() for f in fires]
        for c in changes:
            task.next_fire_at, task.last_fire_at = c.next_fire_at, c.last_fire_at
        now[0] += 30
    return fired


def test_a_daily_time_in_the_hour_repeated_when_clocks_go_back_fires_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    fired = _fires(Schedule(cron="30 1 * * *"), "2027-11-06T12:00", 3)
    assert fired == [
        "2027-11-07T01:30:00-04:00",
        "2027-11-08T01:30:00-05:00",
        "2027-11-09T01:30:00-05:00",
    ]


def test_a_one_off_time_in_the_repeated_hour_fires_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    fired = _fires(Schedule(at="2027-10-31T02:30"), "2027-10-30T12:00", 2)
    assert fired == ["2027-10-31T02:30:00+02:00"]


def test_a_time_in_the_hour_skipped_when_clocks_go_forward_runs_at_its_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    fired = _fires(Schedule(cron="30 2 * * *"), "2027-03-13T12:00", 2)
    assert fired == ["2027-03-14T03:00:00-04:00", "2027-03-15T02:30:00-04:00"]


def test_the_next_run_after_a_dst_change_is_at_its_wall_clock_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    winter = sched.local_time(datetime(2026, 12, 2, 12, tzinfo=UTC).timestamp())
    fire = sched.next_fire(Schedule(cron="0 12 1 7 *"), winter)
    assert fire is not None and fire.astimezone(UTC).isoformat() == "2027-07-01T10:00:00+00:00"
    at = sched.next_fire(Schedule(at="2027-06-01 12:00"), winter)
    assert at is not None and at.astimezone(UTC).isoformat() == "2027-06-01T10:00:00+00:00"


@pytest.mark.parametrize("tz", ["", "UTC0", "Nowhere/Atlantis"])
def test_a_zone_the_tz_database_does_not_know_keeps_the_offset_of_the_instant(
    monkeypatch: pytest.MonkeyPatch, tz: str
) -> None:
    monkeypatch.setenv("TZ", tz)
    now = sched.system_clock()
    assert now.utcoffset() is not None
    assert abs(now.timestamp() - datetime.now(UTC).timestamp()) < 60
