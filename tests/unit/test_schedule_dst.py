"""Schedules across daylight-saving changes, in the zone the system clock gives (TZ)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from taskrun_gui.core import local_zone
from taskrun_gui.core import schedule as sched
from taskrun_gui.core.models import Schedule
from taskrun_gui.engine.scheduler import Scheduler


def _fires(schedule: Schedule, start_utc: str, days: float) -> list[str]:
    """What a scheduler ticking every 30 s fires over `days` days, clocked the way
    system_clock reads the time."""
    now = [datetime.fromisoformat(start_utc).replace(tzinfo=UTC).timestamp()]
    scheduler = Scheduler(clock=lambda: local_zone.local_time(now[0]))
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


@pytest.mark.parametrize(
    ("cron", "fired"),
    [
        ("30 2 * * *", ["03-14T03:00:00", "03-15T02:30:00"]),
        # with a seconds field too (it skipped the day): the end of the hour, plus the seconds
        ("0 30 2 * * *", ["03-14T03:00:00", "03-15T02:30:00"]),
        (
            "0,30 30 2 * * *",
            ["03-14T03:00:00", "03-14T03:00:30", "03-15T02:30:00", "03-15T02:30:30"],
        ),
    ],
)
def test_a_time_in_the_hour_skipped_when_clocks_go_forward_runs_at_its_end(
    monkeypatch: pytest.MonkeyPatch, cron: str, fired: list[str]
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    got = _fires(Schedule(cron=cron), "2027-03-13T12:00", 2)
    assert got == [f"2027-{f}-04:00" for f in fired]


def test_the_next_run_after_a_dst_change_is_at_its_wall_clock_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    winter = local_zone.local_time(datetime(2026, 12, 2, 12, tzinfo=UTC).timestamp())
    fire = sched.next_fire(Schedule(cron="0 12 1 7 *"), winter)
    assert fire is not None and fire.astimezone(UTC).isoformat() == "2027-07-01T10:00:00+00:00"
    at = sched.next_fire(Schedule(at="2027-06-01 12:00"), winter)
    assert at is not None and at.astimezone(UTC).isoformat() == "2027-06-01T10:00:00+00:00"


def test_a_time_of_day_with_seconds_keeps_them_across_both_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")

    def next_fires(cron: str, start_utc: str, n: int) -> list[str]:
        at = local_zone.local_time(datetime.fromisoformat(start_utc + "+00:00").timestamp())
        out = []
        for _ in range(n):
            fire = sched.next_fire(Schedule(cron=cron), at)
            assert fire is not None
            out.append(fire.isoformat()[5:])
            at = fire
        return out

    # the hour skipped: its end plus the seconds; asked at 01:30:20 EDT, in the first pass
    # through the hour repeated: the later second of that minute, then only the next days
    assert next_fires("15 30 2 * * *", "2027-03-13T17:00", 2) == [
        "03-14T03:00:15-04:00",
        "03-15T02:30:15-04:00",
    ]
    assert next_fires("10,40 30 1 * * *", "2027-11-07T05:30:20", 3) == [
        "11-07T01:30:40-04:00",
        "11-08T01:30:10-05:00",
        "11-08T01:30:40-05:00",
    ]


HOURLY_BACK = ["01:00-04", "01:00-05", "02:00-05"]  # New York, 2027-11-07
HOURLY_FORWARD = ["01:00-05", "03:00-04", "04:00-04"]  # 2027-03-14: no 02:00
HALF_HOURS_BACK = ["00:30-04", "01:00-04", "01:30-04", "01:00-05", "01:30-05", "02:00-05"]
HALF_HOURS_FORWARD = ["00:30-05", "01:00-05", "01:30-05", "03:00-04", "03:30-04", "04:00-04"]


@pytest.mark.parametrize(
    ("schedule", "fall_back", "spring_forward"),
    [
        # an interval counts absolute time: both 01:00s, and no gap where 02:00 is not
        (Schedule(every_seconds=3600), HOURLY_BACK, HOURLY_FORWARD),
        # a wildcard hour fires in both passes through the repeated hour, as cron does
        (Schedule(cron="0 * * * *"), HOURLY_BACK, HOURLY_FORWARD),
        (Schedule(cron="*/30 * * * *"), HALF_HOURS_BACK, HALF_HOURS_FORWARD),
        # a time of day with a seconds field fires once, as with five fields
        (Schedule(cron="0 30 1 * * *"), ["01:30-04"], ["01:30-05"]),
        (Schedule(cron="0 30 2 * * *"), [], ["03:00-04"]),
        # sub-hourly within named hours: both passes too, with five fields or six
        (Schedule(cron="*/30 0-3 * * *"), HALF_HOURS_BACK, HALF_HOURS_FORWARD[:5]),
        (Schedule(cron="0 */30 0-3 * * *"), HALF_HOURS_BACK, HALF_HOURS_FORWARD[:5]),
    ],
)
def test_schedules_through_both_changes_in_absolute_time(
    monkeypatch: pytest.MonkeyPatch,
    schedule: Schedule,
    fall_back: list[str],
    spring_forward: list[str],
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")

    def short(fires: list[str]) -> list[str]:  # "…T01:30:00-04:00" as "01:30-04"
        return [f[11:16] + f[19:22] for f in fires]

    back = _fires(schedule, "2027-11-07T04:00", 3.25 / 24)  # 00:00 EDT to 02:15 EST
    assert short(back) == fall_back
    forward = _fires(schedule, "2027-03-14T05:00", 3.25 / 24)  # 00:00 EST to 04:15 EDT
    assert short(forward) == spring_forward


def test_the_system_zone_is_named_by_tz_or_else_localtime(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", ":America/New_York")
    zone = local_zone.local_zone()
    assert zone is not None and str(zone) == "America/New_York"
    monkeypatch.setenv("TZ", "")  # POSIX: UTC
    zone = local_zone.local_zone()
    assert zone is not None and local_zone.local_time(0).utcoffset() == timedelta(0)


@pytest.mark.parametrize("tz", ["UTC0", "Nowhere/Atlantis"])
def test_a_zone_the_tz_database_does_not_know_keeps_the_offset_of_the_instant(
    monkeypatch: pytest.MonkeyPatch, tz: str
) -> None:
    monkeypatch.setenv("TZ", tz)
    assert local_zone.local_zone() is None
    now = sched.system_clock()
    assert now.utcoffset() == datetime.now().astimezone().utcoffset()


def test_a_task_is_judged_late_by_its_local_times_of_day(monkeypatch: pytest.MonkeyPatch) -> None:
    from taskrun_gui.core.late import late_after
    from taskrun_gui.core.models import TaskSpec

    monkeypatch.setenv("TZ", "America/New_York")
    spec = TaskSpec(name="t", command="true", schedule=Schedule(cron="0 9 * * *"))
    since = int(datetime(2027, 1, 4, 12, tzinfo=UTC).timestamp() * 1000)  # 07:00 in New York
    due = datetime(2027, 1, 4, 14, tzinfo=UTC)  # 09:00 there; an hour's grace after it
    assert late_after(spec, since) == int(due.timestamp() * 1000) + 3600 * 1000


def test_the_system_zone_is_read_again_when_its_file_changes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import tzdata

    zones = Path(tzdata.__file__).parent / "zoneinfo"
    localtime = tmp_path / "localtime"
    localtime.write_bytes((zones / "Europe" / "Berlin").read_bytes())
    monkeypatch.delenv("TZ", raising=False)
    monkeypatch.setattr(local_zone, "LOCALTIME", str(localtime))
    summer = datetime(2027, 7, 1, 12, tzinfo=UTC).timestamp()
    assert local_zone.local_time(summer).utcoffset() == timedelta(hours=2)
    moved = tmp_path / "localtime.new"  # the way a zone change replaces it
    moved.write_bytes((zones / "America" / "New_York").read_bytes())
    moved.replace(localtime)
    assert local_zone.local_time(summer).utcoffset() == timedelta(hours=-4)


def test_the_next_fire_asked_in_the_repeated_hour_is_never_in_the_past(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    second_pass = local_zone.local_time(
        datetime(2027, 11, 7, 6, 10, tzinfo=UTC).timestamp()
    )  # 01:10 EST
    fire = sched.next_fire(Schedule(cron="30 1 * * *"), second_pass)
    assert fire is not None and fire.astimezone(UTC).isoformat() == "2027-11-08T06:30:00+00:00"
