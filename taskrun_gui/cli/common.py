"""What every `taskrun` command shares: opening the store, errors as one line, output, and
the range-checked values of its numeric options."""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NoReturn

from taskrun_gui.core.policy import log_cap_error
from taskrun_gui.core.schedule import MAX_EVERY_SECONDS
from taskrun_gui.core.text import shorten
from taskrun_gui.core.timefmt import parse_iso_ms
from taskrun_gui.engine.recovery import recover_if_no_host
from taskrun_gui.storage.db import LockWait, Store, open_store, resolve_data_dir
from taskrun_gui.storage.writer import replay_spool

STORE_WAIT_S = 30.0  # how long a command waits for another process's write lock, in all


class CliError(Exception):
    """A problem to tell the user in one line; exit code 1 unless said otherwise."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, code: int = 1) -> NoReturn:
    raise CliError(message, code)


def _on_store_wait() -> None:
    print(
        "taskrun: waiting for the history store: another process is writing to it…",
        file=sys.stderr,
        flush=True,
    )


def _store_wait_budget() -> float:
    try:
        budget = float(os.environ.get("TASKRUN_STORE_WAIT_S", STORE_WAIT_S))
    except ValueError:
        return STORE_WAIT_S
    return budget if math.isfinite(budget) and budget >= 0 else STORE_WAIT_S


def store_for_command(data_dir: str | None, writing: bool = False) -> Store:
    """storage.db.open_store with this thread waiting (bounded, said once on stderr) for
    another process's write lock; then what a command needs that a host would do: runs of a
    dead host recovered, spooled records replayed."""
    wait = LockWait(_on_store_wait, _store_wait_budget())
    store = open_store(resolve_data_dir(data_dir), wait, writing)
    if store.open_error:
        warn(store.open_error)
    recover_if_no_host(store)
    if replay_spool(store):
        warn("some run records are still waiting for the history store to accept writes")
    return store


def warn(message: str) -> None:
    print(f"taskrun: warning: {message}", file=sys.stderr)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def key_values(items: list[str], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(f"{what} {item!r} must look like NAME=VALUE")
        out[key] = value
    return out


# -- values of options ------------------------------------------------------------------------
# argparse `type=` functions: argparse names the option, these say the allowed range.

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
    return int(value)


def parse_duration(text: str) -> int:
    try:
        return duration_seconds(text)
    except ValueError as exc:
        fail(f"--every: {exc}")


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
