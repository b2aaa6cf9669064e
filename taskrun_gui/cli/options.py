"""The values of `taskrun`'s options, checked as argparse reads them (`type=` functions:
argparse names the option, these say the allowed range). Apart from cli/common.py, which
opens the store, so that building the parser (and `taskrun --help`) imports no more than it
needs."""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime

from taskrun_gui.core.limits import MAX_EVERY_SECONDS
from taskrun_gui.core.policy import log_cap_error
from taskrun_gui.core.text import shorten
from taskrun_gui.core.timefmt import parse_iso_ms

MAX_ID = 2**63 - 1  # SQLite's largest integer: ids and version numbers
DURATION_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(s|sec|m|min|h|hr|d)?\s*$")
UNITS = {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400}
DURATION_RANGE = (
    f"from 1 s to {MAX_EVERY_SECONDS // 86400} d, written as a number with s, m, h or d"
)


def _shown(text: str) -> str:
    """The value as typed, quoted and short enough for a one-line message."""
    return repr(shorten(text, 40))


def _plain(x: float) -> str:
    """10000000, not 1e+07: a bound the user can type back."""
    return str(int(x)) if x == int(x) else str(x)


def whole_number(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:  # also a number of more than 4300 digits
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"must be a whole number from {low} to {high}, not {_shown(text)}"
            )
        return value

    return parse


def amount(
    unit: str, high: float, low: float = 0.0, zero_ok: bool = False
) -> Callable[[str], float]:
    """A finite number of `unit`, above `low` (or from it, with zero_ok), at most `high`."""
    lo, hi = _plain(low), _plain(high)
    where = f"from {lo} to {hi}" if zero_ok else f"above {lo} and at most {hi}"

    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            value = math.nan
        above = value >= low if zero_ok else value > low
        if not (math.isfinite(value) and above and value <= high):
            raise argparse.ArgumentTypeError(
                f"must be a number of {unit} {where}, not {_shown(text)}"
            )
        return value

    return parse


SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*$", re.IGNORECASE)
SIZE_UNITS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
DEFAULT_CAP = "default"  # --log-cap default: the data dir's policy again


def log_cap(text: str) -> int | str:
    """--log-cap: a size (4096, 512K, 100M, 2G), 0 or 'none' for no cap, or 'default'."""
    word = text.strip().lower()
    if word == DEFAULT_CAP:
        return DEFAULT_CAP
    if word in ("none", "unlimited"):
        return 0
    m = SIZE_RE.match(word)
    value = float(m.group(1)) * SIZE_UNITS[(m.group(2) or "")[:1].lower()] if m else math.nan
    whole = math.isfinite(value) and value == int(value)  # 4096.9 bytes is not a size
    problem = "not a size" if not whole else log_cap_error(int(value))
    if problem is not None:
        raise argparse.ArgumentTypeError(
            "must be a size such as 512K, 100M or 2G (at least 4K), 'none' for no cap or "
            f"'default' for the data dir's, not {_shown(text)}"
        )
    return int(value)


def future_time(text: str) -> str:
    """--at: a date-time to come (one already past would never fire)."""
    schedule_text(text)
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        return text  # validation says what is wrong with it, naming the field
    if when.tzinfo is None:
        when = when.astimezone()
    if when <= datetime.now(UTC):
        raise argparse.ArgumentTypeError(f"{_shown(text)} is in the past: it would never run")
    return text


def folder_text(text: str) -> str:
    """--data-dir: an empty word is a mistake (a script's unset variable), not the default."""
    if not text.strip():
        raise argparse.ArgumentTypeError(
            "must name a folder (leave the option out for the default)"
        )
    return text


def schedule_text(text: str) -> str:
    """--cron and --at: an empty one is a mistake, not "no schedule"."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty (use --no-schedule for none)")
    return text


def duration_seconds(text: str) -> int:
    """'30s', '5m', '2h', '1.5d' as whole seconds; ValueError saying the allowed range."""
    m = DURATION_RE.match(text)
    value = float(m.group(1)) * UNITS[m.group(2)] if m else math.nan
    if not math.isfinite(value) or not 1 <= value <= MAX_EVERY_SECONDS:
        raise ValueError(
            f"must be a duration {DURATION_RANGE} (e.g. 30s, 5m, 2h), not {_shown(text)}"
        )
    seconds = round(value)
    if abs(value - seconds) > 1e-6:  # 2.9s was cut to 2 s without a word; 0.1h is 360 s
        raise ValueError(f"must be whole seconds: {_shown(text)} is {value:g} s")
    return seconds


def every(text: str) -> str:
    """--every checked as it is read (the command converts it with parse_duration)."""
    try:
        duration_seconds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return text


def iso_time_ms(text: str) -> int:
    try:
        return parse_iso_ms(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
