"""Absurd numbers in a schedule or a date are a message naming the field, never a traceback
and never a schedule that cronsim quietly accepts."""

from __future__ import annotations

from datetime import datetime

import pytest

from taskrun_gui.core.models import Schedule
from taskrun_gui.core.schedule import MAX_EVERY_SECONDS, next_fire, validate_schedule
from taskrun_gui.core.timefmt import parse_iso_ms

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("cron", "message"),
    [
        (f"*/{HUGE} * * * *", f"field 1 (minute) step '{HUGE}' in '*/{HUGE}' is larger than"),
        (f"1/{HUGE} * * * *", "field 1 (minute) step"),
        ("0 */24 * * *", "field 2 (hour) step '24' in '*/24' is larger than the field's 23"),
        (f"{HUGE} * * * *", f"field 1 (minute) '{HUGE}' is out of range 0-59"),
        (f"0 0 * * 1#{HUGE}", "field 5 (day-of-week)"),
        ("1-" + "9" * 5000 + " * * * *", "is out of range 0-59"),  # int() refuses 4300+ digits
        ("*/" + "9" * 5000 + " * * * *", "is larger than the field's 59"),
        ("¹ * * * *", "field 1 (minute) '¹' in '¹' is not a number"),  # str.isdigit says yes
        ("*/¹ * * * *", "field 1 (minute) step '¹'"),
    ],
)
def test_huge_or_odd_cron_numbers_are_refused_by_name(cron: str, message: str) -> None:
    errors = validate_schedule(Schedule(cron=cron))
    assert len(errors) == 1 and message in errors[0], errors
    assert len(errors[0]) < 200  # a field of a thousand digits is cut short in the message


def test_a_step_may_be_as_large_as_its_field_and_no_larger() -> None:
    for field, high in enumerate((59, 23, 31, 12, 7)):
        cron = ["0", "0", "1", "1", "*"]
        cron[field] = f"*/{high}"
        assert validate_schedule(Schedule(cron=" ".join(cron))) == [], cron
        cron[field] = f"*/{high + 1}"
        (error,) = validate_schedule(Schedule(cron=" ".join(cron)))
        assert error.endswith(f"is larger than the field's {high}"), error


def test_every_seconds_has_an_upper_bound() -> None:
    assert validate_schedule(Schedule(every_seconds=MAX_EVERY_SECONDS)) == []
    (error,) = validate_schedule(Schedule(every_seconds=10**30))
    assert error.startswith(f"every_seconds: must be at most {MAX_EVERY_SECONDS}")


def test_a_stored_cron_cronsim_chokes_on_is_no_schedule_not_a_crash() -> None:
    assert next_fire(Schedule(cron="¹ * * * *"), datetime(2026, 1, 1).astimezone()) is None


@pytest.mark.parametrize(
    "text", ["0001-01-01", "1969-12-31T23:59Z", "99999-01-01", "10000-01-01", "yesterday", ""]
)
def test_iso_times_out_of_range_are_a_value_error_saying_the_range(text: str) -> None:
    assert parse_iso_ms("1970-01-01T00:00Z") == 0  # the edges are in
    assert parse_iso_ms("9999-12-31T23:59:59-14:00") == 253402351199000
    with pytest.raises(ValueError, match="between the years 1970 and 9999"):
        parse_iso_ms(text)
