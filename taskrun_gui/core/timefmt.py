"""Epoch-millisecond times, the only time format the store keeps, and their text forms."""

from __future__ import annotations

import time
from datetime import UTC, datetime

MIN_YEAR, MAX_YEAR = 1970, 9999  # what --since/--until accept: no run is older than 1970


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def elapsed_text(started_at: int | None, now: int) -> str:
    """How long a run has been going, in whole seconds so a ticking cell does not flicker
    through hundredths: "7 s…", "2m 05s…" (the ellipsis: still going)."""
    if started_at is None:
        return ""
    seconds = max(0, (now - started_at) // 1000)
    return (f"{seconds} s" if seconds < 60 else human_duration(seconds)) + "…"


def ms_to_iso(ms: int | None) -> str | None:
    """ISO 8601 UTC with milliseconds, as the JSON output promises."""
    if ms is None:
        return None
    dt = datetime.fromtimestamp(ms / 1000.0, tz=UTC)
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso_ms(text: str) -> int:
    """Parse an ISO date or date-time; naive values are local time. Raises ValueError with a
    message that says what is accepted (a year out of range is an error, not a traceback)."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(value)
        in_range = MIN_YEAR <= dt.year <= MAX_YEAR
        ms = int((dt if dt.tzinfo else dt.astimezone()).timestamp() * 1000)
    except (ValueError, OverflowError, OSError):
        in_range = False
    if not in_range:
        raise ValueError(
            f"must be an ISO date or date-time (e.g. 2026-11-22 or 2026-11-22T10:00) "
            f"between the years {MIN_YEAR} and {MAX_YEAR}, not {text[:40]!r}"
        )
    return ms


def local_day(ms: int) -> str:
    """The local calendar day ('YYYY-MM-DD') a time falls on: the key of daily aggregates."""
    return time.strftime("%Y-%m-%d", time.localtime(ms / 1000.0))


def local_text(ms: int | None) -> str:
    if ms is None:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms / 1000.0))


def human_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def human_bytes(n: float | None) -> str:
    """Bytes as a short figure in IEC units, the one size format on every screen and in the
    CLI: ``512 B``, ``3.4 KiB``, ``123 MiB`` (no decimal from 100 on); "" for None."""
    if n is None:
        return ""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            whole = unit == "B" or abs(value) >= 100
            return f"{value:.0f} {unit}" if whole else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"
