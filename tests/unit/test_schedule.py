"""Schedule maths against a fixed, DST-free time zone (UTC+3), so results do not depend on the
machine running the tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from taskrun_gui.core.models import MissedPolicy, Schedule
from taskrun_gui.core.schedule import (
    MAX_COUNTED,
    describe,
    detect_clock_jump,
    due_fires,
    next_fire,
    plan_fires,
    system_clock,
    validate_schedule,
)

TZ = timezone(timedelta(hours=3))
HOURLY = Schedule(cron="0 * * * *")


def at(hour: int, minute: int = 0, second: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=TZ)


# validate_schedule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cron", "message"),
    [
        ("0 25 * * *", "cron: field 2 (hour) '25' is out of range 0-23"),
        ("61 * * * *", "cron: field 1 (minute) '61' is out of range 0-59"),
        ("0 0 0 * *", "cron: field 3 (day-of-month) '0' is out of range 1-31"),
        ("0 0 * 13 *", "cron: field 4 (month) '13' is out of range 1-12"),
        ("0 0 * * 8", "cron: field 5 (day-of-week) '8' is out of range 0-7"),
        ("70 0 * * * *", "cron: field 1 (second) '70' is out of range 0-59"),
        ("*/0 * * * *", "cron: field 1 (minute) step '0' in '*/0' must be a whole number above 0"),
        ("x * * * *", "cron: field 1 (minute) 'x' in 'x' is not a number"),
        ("30-10 * * * *", "cron: field 1 (minute) range '30-10' runs backwards"),
        ("-1 * * * *", "cron: field 1 (minute) '-1' is not a number or a range low-high (from 0)"),
        ("0 0 * 1- *", "cron: field 4 (month) '1-' is not a number or a range low-high (from 1)"),
    ],
)
def test_bad_cron_fields_are_named(cron: str, message: str) -> None:
    assert validate_schedule(Schedule(cron=cron)) == [message]


def test_wrong_field_count_and_impossible_dates() -> None:
    [count] = validate_schedule(Schedule(cron="* * *"))
    assert "has 3 fields; expected 5" in count
    [never] = validate_schedule(Schedule(cron="0 0 31 2 *"))
    assert never.startswith("cron: '0 0 31 2 *'") and "day-of-month" in never


@pytest.mark.parametrize(
    "cron",
    ["0 * * * *", "*/15 9-17 * * MON-FRI", "0 0 L * *", "0 12 * * 5L", "*/10 * * * * *"],
)
def test_good_crons_pass(cron: str) -> None:
    assert validate_schedule(Schedule(cron=cron)) == []


def test_every_at_and_exclusivity() -> None:
    assert validate_schedule(Schedule(every_seconds=60)) == []
    assert validate_schedule(Schedule(at="2026-11-22T10:00")) == []
    assert validate_schedule(Schedule()) == []
    assert validate_schedule(Schedule(every_seconds=0)) == [
        "every_seconds: must be a whole number above 0, got 0"
    ]
    assert validate_schedule(Schedule(at="tomorrow")) == [
        "at: 'tomorrow' is not an ISO 8601 date-time (e.g. 2026-11-22T10:00)"
    ]
    assert validate_schedule(Schedule(cron="0 * * * *", every_seconds=5)) == [
        "only one of cron, every_seconds, at may be set (got cron, every_seconds)"
    ]


# next_fire -----------------------------------------------------------------------------------


def test_cron_next_fire_is_strictly_after_and_keeps_the_zone() -> None:
    assert next_fire(HOURLY, at(10, 0)) == at(11, 0)
    assert next_fire(HOURLY, at(10, 59, 59)) == at(11, 0)
    daily = Schedule(cron="30 2 * * *")
    assert next_fire(daily, at(23, 0, day=1)) == at(2, 30, day=2)
    got = next_fire(daily, at(1, 0))
    assert got is not None and got.utcoffset() == timedelta(hours=3)
    # The same instant seen from UTC gets the wall-clock time of UTC, not of UTC+3.
    assert next_fire(daily, at(1, 0).astimezone(UTC)) == datetime(2026, 3, 1, 2, 30, tzinfo=UTC)


def test_cron_with_seconds() -> None:
    assert next_fire(Schedule(cron="*/15 * * * * *"), at(10, 0, 7)) == at(10, 0, 15)


def test_interval_counts_from_the_anchor() -> None:
    every_10_min = Schedule(every_seconds=600)
    anchor = at(9, 3)
    assert next_fire(every_10_min, at(9, 5), anchor) == at(9, 13)
    assert next_fire(every_10_min, at(9, 13), anchor) == at(9, 23)  # strictly after
    assert next_fire(every_10_min, at(12, 0), anchor) == at(12, 3)
    assert next_fire(every_10_min, at(9, 0), anchor) == at(9, 13)  # anchor in the future
    assert next_fire(every_10_min, at(9, 5)) == at(9, 15)  # no anchor: from `after`


def test_at_fires_once() -> None:
    once = Schedule(at="2026-03-01T12:00")  # no offset: wall clock in the caller's zone
    assert next_fire(once, at(11, 0)) == at(12, 0)
    assert next_fire(once, at(12, 0)) is None
    with_offset = Schedule(at="2026-03-01T12:00+00:00")
    assert next_fire(with_offset, at(11, 0)) == at(15, 0)


def test_disabled_or_unset_never_fires() -> None:
    assert next_fire(Schedule(cron="0 * * * *", enabled=False), at(10)) is None
    assert next_fire(Schedule(), at(10)) is None
    disabled = Schedule(cron="* * * * *", enabled=False)
    assert due_fires(disabled, at(9), at(10), MissedPolicy.ONCE) == ([], None)


# due_fires -----------------------------------------------------------------------------------


def test_a_single_due_fire_runs_whatever_the_policy() -> None:
    for policy in MissedPolicy:
        assert due_fires(HOURLY, at(10), at(11, 0, 2), policy) == ([at(11)], at(12))


def test_nothing_due_yet() -> None:
    assert due_fires(HOURLY, at(10), at(10, 59), MissedPolicy.ONCE) == ([], at(11))


def test_after_a_sleep_skip_runs_nothing_and_once_runs_exactly_one() -> None:
    last, now = at(10), at(13, 30)
    assert due_fires(HOURLY, last, now, MissedPolicy.SKIP) == ([], at(14))
    assert due_fires(HOURLY, last, now, MissedPolicy.ONCE) == ([at(13)], at(14))
    plan = plan_fires(HOURLY, last, now, MissedPolicy.SKIP)
    assert (plan.passed, plan.last_fire) == (3, at(13))
    # Storing plan.last_fire means the next poll sees a normal single fire, not a backlog.
    assert due_fires(HOURLY, plan.last_fire, at(14, 0, 1), MissedPolicy.SKIP) == ([at(14)], at(15))


def test_a_long_gap_on_a_fast_cron_is_cheap_and_finds_the_latest_fire() -> None:
    plan = plan_fires(Schedule(cron="* * * * *"), at(0), at(0, day=20), MissedPolicy.ONCE)
    assert plan.passed == MAX_COUNTED
    assert plan.run == [at(0, day=20)]
    assert plan.next_fire == at(0, 1, day=20)


def test_interval_backlog_keeps_its_grid() -> None:
    every_10_min = Schedule(every_seconds=600)
    last = at(9, 3)
    plan = plan_fires(every_10_min, last, at(10, 0), MissedPolicy.ONCE)
    assert plan.run == [at(9, 53)]
    assert plan.passed == 5
    assert plan.last_fire == at(9, 53)
    assert plan.next_fire == at(10, 3)
    assert due_fires(every_10_min, last, at(10, 0), MissedPolicy.SKIP) == ([], at(10, 3))
    assert due_fires(every_10_min, last, at(9, 14), MissedPolicy.SKIP) == ([at(9, 13)], at(9, 23))


def test_at_runs_once_even_when_its_time_was_missed() -> None:
    once = Schedule(at="2026-03-01T12:00")
    assert due_fires(once, None, at(11), MissedPolicy.SKIP) == ([], at(12))
    assert due_fires(once, None, at(15), MissedPolicy.SKIP) == ([at(12)], None)
    assert due_fires(once, at(12), at(15), MissedPolicy.ONCE) == ([], None)  # already ran


def test_never_fired_schedule_without_a_start_has_nothing_due() -> None:
    assert due_fires(HOURLY, None, at(10, 30), MissedPolicy.ONCE) == ([], at(11))


# describe, clocks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "text"),
    [
        (Schedule(every_seconds=300), "every 5 min"),
        (Schedule(every_seconds=45), "every 45 s"),
        (Schedule(every_seconds=5400), "every 1 h 30 min"),
        (Schedule(every_seconds=86400), "every 1 d"),
        (Schedule(cron="0  * * * *"), "cron 0 * * * *"),
        (Schedule(at="2026-11-22T10:00"), "once at 2026-11-22 10:00"),
        (Schedule(at="2026-11-22T10:00:30+02:00"), "once at 2026-11-22 10:00:30 +0200"),
        (Schedule(cron="0 * * * *", enabled=False), "cron 0 * * * * (disabled)"),
        (Schedule(), "not scheduled"),
    ],
)
def test_describe(schedule: Schedule, text: str) -> None:
    assert describe(schedule) == text


def test_system_clock_is_aware_local_now() -> None:
    now = system_clock()
    assert now.tzinfo is not None
    assert abs((now - datetime.now(UTC)).total_seconds()) < 5


def test_detect_clock_jump() -> None:
    # Two hours of sleep: the wall clock moved 2 h + 10 s while the monotonic clock moved 10 s.
    assert detect_clock_jump(100.0, at(10), 110.0, at(12, 0, 10)) == 7200.0
    assert detect_clock_jump(100.0, 1_000.0, 110.0, 1_012.0) == 0.0  # within tolerance
    assert detect_clock_jump(100.0, 1_000.0, 110.0, 940.0) == -70.0  # clock set back
    assert detect_clock_jump(100.0, 1_000.0, 110.0, 1_013.0, tolerance_s=2) == 3.0
