"""The system's time zone with its daylight-saving rules, as a ZoneInfo: what schedules fire
in (core/schedule.py) and late alerts judge by (core/late.py). A fixed offset, what
`datetime.now().astimezone()` gives, is only right until the next DST change."""

from __future__ import annotations

import os
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LOCALTIME = "/etc/localtime"  # the system zone where TZ is not set


def local_time(epoch_s: float) -> datetime:
    """An instant as an aware local datetime. In a ZoneInfo: the cron times after it are the
    zone's wall-clock times across a DST change, and an hour repeated when clocks go back
    keeps its fires once (a fixed offset gave them again an hour later, and every time
    past the next change an hour off)."""
    zone = local_zone()
    if zone is None:  # no zone the tz database knows: the offset of that instant
        return datetime.fromtimestamp(epoch_s).astimezone()
    return datetime.fromtimestamp(epoch_s, tz=zone)


def local_zone() -> ZoneInfo | None:
    """The system's zone, as TZ names it (a zone name or a file) or else /etc/localtime;
    None where neither is one the tz database knows (a POSIX rule string, Windows). Read
    again when TZ or the file changes (a laptop that travels keeps its daemon)."""
    tz = os.environ.get("TZ")
    return _zone(tz, _stamp(LOCALTIME) if tz is None else None)


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


@lru_cache(maxsize=8)
def _zone(tz: str | None, _stamp: tuple[int, int] | None) -> ZoneInfo | None:
    name = LOCALTIME if tz is None else tz.removeprefix(":")
    try:
        if name.startswith("/"):
            with open(name, "rb") as f:
                return ZoneInfo.from_file(f, key=name)
        return ZoneInfo(name or "UTC")  # an empty TZ is UTC
    except (OSError, ValueError, ZoneInfoNotFoundError):
        return None
