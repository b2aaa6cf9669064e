"""Schedule maths: validation, next fire time, what is due after a gap, and clock jumps.

Cron expressions are evaluated by cronsim (5 fields, or 6 with a leading seconds field, which
cronsim supports natively). Datetimes are time-zone aware; a naive one is taken as system local
time. Cron fire times are computed in the time zone of the datetime passed in: system_clock
gives a ZoneInfo, DST-correct wall-clock schedules; a fixed offset (what
`datetime.now().astimezone()` gives) is only right until the next DST change.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cronsim import CronSim, CronSimError

from taskrun_gui.core.limits import MAX_EVERY_SECONDS
from taskrun_gui.core.local_zone import local_time
from taskrun_gui.core.models import MissedPolicy, Schedule

Clock = Callable[[], datetime]
MAX_COUNTED = 1000  # passed cron fires counted one by one; beyond that only the latest is found

_CRON_FIELDS_5 = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day-of-month", 1, 31),
    ("month", 1, 12),
    ("day-of-week", 0, 7),
)
_SECONDS_FIELD = ("second", 0, 59)
_NAMES = {
    "month": ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
    "day-of-week": ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"),
}


def system_clock() -> datetime:
    """Now, aware, in the system's time zone with its DST rules (core/local_zone.py)."""
    return local_time(time.time())


def validate_schedule(s: Schedule) -> list[str]:
    """Problems with the schedule, each saying what is wrong; empty when it is usable."""
    errors: list[str] = []
    chosen = [
        name
        for name, is_given in (
            ("cron", bool(s.cron)),
            ("every_seconds", s.every_seconds is not None),
            ("at", bool(s.at)),
        )
        if is_given
    ]
    if len(chosen) > 1:
        errors.append(f"only one of cron, every_seconds, at may be set (got {', '.join(chosen)})")
    if s.cron:
        errors.extend(_cron_errors(s.cron))
    if s.every_seconds is not None and (
        isinstance(s.every_seconds, bool)
        or not isinstance(s.every_seconds, int)
        or s.every_seconds <= 0
    ):
        errors.append(f"every_seconds: must be a whole number above 0, got {s.every_seconds!r}")
    elif s.every_seconds is not None and s.every_seconds > MAX_EVERY_SECONDS:
        errors.append(
            f"every_seconds: must be at most {MAX_EVERY_SECONDS} (3650 days), "
            f"got {s.every_seconds!r}"
        )
    if s.at:
        try:
            datetime.fromisoformat(s.at)
        except ValueError:
            errors.append(f"at: {s.at!r} is not an ISO 8601 date-time (e.g. 2026-11-22T10:00)")
    return errors


def _cron_errors(expr: str) -> list[str]:
    parts = expr.split()
    if len(parts) not in (5, 6):
        return [
            f"cron: {_short(expr)} has {len(parts)} fields; expected 5 "
            "(minute hour day-of-month month day-of-week) or 6 (with seconds first)"
        ]
    specs = (_SECONDS_FIELD, *_CRON_FIELDS_5) if len(parts) == 6 else _CRON_FIELDS_5
    errors = []
    for i, (part, spec) in enumerate(zip(parts, specs, strict=True)):
        # Judge one field at a time (the others "*") so cronsim's error names this field.
        probe = ["*"] * len(parts)
        probe[i] = part
        try:
            CronSim(" ".join(probe), datetime(2000, 1, 1))
            problem = _number_problem(part, spec)  # what cronsim lets through: */99999
        except (CronSimError, ValueError) as exc:  # ValueError: int() of a digit like '¹'
            problem = _field_problem(part, spec, exc)
        if problem is not None:
            errors.append(f"cron: field {i + 1} ({spec[0]}) {problem}")
    if errors:
        return errors
    try:
        next(CronSim(expr, datetime(2000, 1, 1)))
    except (CronSimError, ValueError) as exc:
        return [f"cron: {_short(expr)}: {exc}"]
    except StopIteration:
        return [f"cron: {_short(expr)} never fires"]
    return []


def _field_problem(part: str, spec: tuple[str, int, int], exc: Exception) -> str:
    """Name the bad number in a field when there is one; otherwise cronsim's own message."""
    return _number_problem(part, spec) or f"{_short(part)} is invalid ({exc})"


def _is_number(token: str) -> bool:
    return token.isascii() and token.isdigit()  # '¹' and '٣' are digits to str.isdigit


def _int(token: str) -> int:
    """A field number; thousands of digits (int() refuses) are simply too large."""
    return int(token) if len(token) <= 18 else 10**18


def _number_problem(part: str, spec: tuple[str, int, int]) -> str | None:
    """What is wrong with the numbers of a field: a value out of range, a step that is zero
    or larger than the field (cronsim accepts */99999999999999999999), a backwards range."""
    name, low, high = spec
    for term in part.split(","):
        term, _, step = term.partition("/")
        if step and (not _is_number(step) or _int(step) == 0):
            return f"step {_short(step)} in {_short(part)} must be a whole number above 0"
        if step and _int(step) > high:
            return f"step {_short(step)} in {_short(part)} is larger than the field's {high}"
        if name == "day-of-week":
            term, _, nth = term.partition("#")
            if nth and (not _is_number(nth) or not 1 <= _int(nth) <= 5):
                return f"{_short('#' + nth)} in {_short(part)} must be #1 to #5"
            term = term.removesuffix("L").removesuffix("l")
        if term in ("*", "") or (name == "day-of-month" and term.upper() in ("L", "LW")):
            continue
        tokens = term.split("-")
        if "" in tokens:  # '-1', '1-', '1--2': a sign or a range end missing
            return f"{_short(term)} is not a number or a range low-high (from {low})"
        for token in tokens:
            if token.upper() in _NAMES.get(name, ()):
                continue
            if not _is_number(token):
                return f"{_short(token)} in {_short(part)} is not a number"
            if not low <= _int(token) <= high:
                return f"{_short(token)} is out of range {low}-{high}"
        if len(tokens) == 2 and all(map(_is_number, tokens)) and _int(tokens[0]) > _int(tokens[1]):
            return f"range {_short(term)} runs backwards"
    return None


def _short(text: str) -> str:
    """Quoted, and cut short: a field of a thousand digits stays a one-line message."""
    return repr(text if len(text) <= 30 else text[:27] + "...")


def next_fire(s: Schedule, after: datetime, anchor: datetime | None = None) -> datetime | None:
    """The first fire time strictly after `after`; None for a disabled, unset or spent schedule.

    every_seconds fires at anchor + k * interval (k >= 1), the anchor being the last fire or the
    creation time; without an anchor the interval counts from `after`.
    """
    if not s.enabled:
        return None
    after = _aware(after)
    if s.cron:
        try:
            return next(_cron_fires(s.cron, after))
        except (CronSimError, StopIteration, ValueError):
            return None
    if s.every_seconds is not None:
        if s.every_seconds <= 0:
            return None
        start = after if anchor is None else _aware(anchor)
        step = timedelta(seconds=s.every_seconds)
        k = max((_utc(after) - _utc(start)) // step + 1, 1)
        return _shift(start, k * step, after)
    if s.at:
        at = _parse_at(s.at, after)
        return at if at is not None and _utc(at) > _utc(after) else None
    return None


@dataclass
class FirePlan:
    """What the scheduler should do now (see plan_fires)."""

    run: list[datetime] = field(default_factory=list)  # fire times to start a run for
    passed: int = 0  # fire times in (last_fire, now]; cron counts stop at MAX_COUNTED
    last_fire: datetime | None = None  # store this as the new last fire
    next_fire: datetime | None = None  # the first fire time after now


def plan_fires(
    s: Schedule,
    last_fire: datetime | None,
    now: datetime,
    missed: MissedPolicy,
    due_within: timedelta | None = None,
) -> FirePlan:
    """The fires due in (last_fire, now], never a burst.

    One passed fire time runs, unless `skip` and it passed more than `due_within` ago (the
    host was not there at that time: missed, not late; an `at` time runs however late).
    More than one means the app was closed or the machine slept: `skip` runs none, `once`
    runs the latest. Either way `last_fire` in the plan moves to the latest passed fire time,
    which keeps every_seconds on its grid. Pass the creation time as
    last_fire for a schedule that never fired; None means "from now": nothing is due (except an
    `at` time that has passed, which then runs once).
    """
    now = _aware(now)
    plan = FirePlan(last_fire=last_fire, next_fire=next_fire(s, now, anchor=last_fire))
    if not s.enabled:
        plan.next_fire = None
        return plan
    first, latest, passed = _passed_fires(s, None if last_fire is None else _aware(last_fire), now)
    plan.passed = passed
    if latest is None:
        return plan
    plan.last_fire = latest
    if passed == 1:
        fire = first or latest
        # a one-off `at` time runs however late: it comes once
        stale = due_within is not None and not s.at and _utc(now) - _utc(fire) > due_within
        if not (stale and missed == MissedPolicy.SKIP):
            plan.run = [fire]
    elif missed == MissedPolicy.ONCE:
        plan.run = [latest]
    return plan


def due_fires(
    s: Schedule, last_fire: datetime | None, now: datetime, missed: MissedPolicy
) -> tuple[list[datetime], datetime | None]:
    """(fire times to run now, next fire after now); plan_fires also says what to store."""
    plan = plan_fires(s, last_fire, now, missed)
    return plan.run, plan.next_fire


def _passed_fires(
    s: Schedule, last_fire: datetime | None, now: datetime
) -> tuple[datetime | None, datetime | None, int]:
    """(first, latest, count) of fire times in (last_fire, now]; cron fires are counted up to
    MAX_COUNTED only, so a year-long gap on a per-minute cron stays cheap."""
    if s.at:
        at = _parse_at(s.at, now)
        if at is None or _utc(at) > _utc(now):
            return None, None, 0
        if last_fire is not None and _utc(at) <= _utc(last_fire):
            return None, None, 0
        return at, at, 1
    if last_fire is None or _utc(last_fire) >= _utc(now):
        return None, None, 0
    if s.cron:
        try:
            fires = _cron_fires(s.cron, last_fire)
            first = latest = next(fires)
            if _utc(first) > _utc(now):
                return None, None, 0
            count = 1
            while count < MAX_COUNTED and _utc(fire := next(fires)) <= _utc(now):
                latest, count = fire, count + 1
            if count == MAX_COUNTED:
                # Latest fire <= now: cronsim's reverse iteration ticks back one second first.
                start = _shift(now.replace(microsecond=0), timedelta(seconds=1), now)
                latest = next(CronSim(s.cron, start, reverse=True))
            return first, latest, count
        except (CronSimError, StopIteration, ValueError):
            return None, None, 0
    if s.every_seconds is not None and s.every_seconds > 0:
        step = timedelta(seconds=s.every_seconds)
        count = (_utc(now) - _utc(last_fire)) // step
        if count == 0:
            return None, None, 0
        return _shift(last_fire, step, now), _shift(last_fire, count * step, now), count
    return None, None, 0


def describe(s: Schedule) -> str:
    """Short human text for the task table: "every 5 min", "cron 0 * * * *", "once at ..."."""
    if s.cron:
        text = f"cron {' '.join(s.cron.split())}"
    elif s.every_seconds is not None:
        text = f"every {_describe_seconds(s.every_seconds)}"
    elif s.at:
        text = f"once at {_describe_at(s.at)}"
    else:
        return "not scheduled"
    return text if s.enabled else f"{text} (disabled)"


def _describe_seconds(seconds: int) -> str:
    if seconds <= 0:
        return f"{seconds} s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        n, seconds = divmod(seconds, size)
        if n:
            parts.append(f"{n} {unit}")
    return " ".join(parts)


def _describe_at(at: str) -> str:
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        return at
    text = when.strftime("%Y-%m-%d %H:%M:%S" if when.second else "%Y-%m-%d %H:%M")
    return text if when.tzinfo is None else f"{text} {when.strftime('%z')}"


def detect_clock_jump(
    prev_monotonic: float,
    prev_wall: float | datetime,
    now_monotonic: float,
    now_wall: float | datetime,
    tolerance_s: float = 5.0,
) -> float:
    """Seconds the wall clock moved beyond the monotonic clock since the previous reading.

    Positive after a suspend (the monotonic clock stops while the machine sleeps) or a clock
    set forward; negative when the clock was set back; 0.0 within the tolerance.
    """
    wall_delta = _epoch(now_wall) - _epoch(prev_wall)
    drift = wall_delta - (now_monotonic - prev_monotonic)
    return drift if abs(drift) > tolerance_s else 0.0


def _epoch(value: float | datetime) -> float:
    return _aware(value).timestamp() if isinstance(value, datetime) else float(value)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.astimezone()


def _utc(dt: datetime) -> datetime:
    """For comparing and subtracting: two datetimes of one tzinfo object (the local ZoneInfo)
    compare by wall-clock time, an hour off in the hour repeated when clocks go back."""
    return _aware(dt).astimezone(UTC)


def _cron_fires(expr: str, after: datetime) -> Iterator[datetime]:
    """cronsim's fire times strictly after `after` (in absolute time: asked in the second
    pass through an hour repeated when clocks go back, it can answer a time of the first),
    in its zone. A time of day (second, minute and hour fields none of them `*…`) fires
    once when clocks go back, in the first pass, and at the end of the hour skipped when
    they go forward, as cron does: cronsim does both with five fields, neither with a
    seconds field, so a time of day with seconds is its five fields' times plus the
    seconds."""
    fields = expr.split()
    if len(fields) == 6 and not any(f.startswith("*") for f in fields[:3]):
        yield from _with_seconds(fields[0], " ".join(fields[1:]), after)
        return
    for fire in CronSim(expr, after):
        if _utc(fire) > _utc(after):
            yield fire


def _with_seconds(seconds: str, minutes_expr: str, after: datetime) -> Iterator[datetime]:
    """The five-field expression's fire times, each at the seconds of `seconds` (a cron
    seconds field), strictly after `after`."""
    minute = datetime(2000, 1, 1, tzinfo=UTC)
    in_a_minute = CronSim(f"{seconds} * * * * *", minute - timedelta(seconds=1))
    offsets = [f - minute for f in itertools.takewhile(lambda f: f.minute == 0, in_a_minute)]
    for fire in CronSim(minutes_expr, _shift(after, timedelta(minutes=-1), after)):
        for offset in offsets:
            at = _shift(fire, offset, fire)
            if _utc(at) > _utc(after):
                yield at


def _shift(start: datetime, delta: timedelta, like: datetime) -> datetime:
    """start + delta in absolute time (not wall-clock time), in the time zone of `like`."""
    return (start.astimezone(UTC) + delta).astimezone(like.tzinfo)


def _parse_at(at: str, like: datetime) -> datetime | None:
    """The `at` time; without an offset it is wall-clock time in the zone of `like`."""
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=like.tzinfo)
