"""The policy of a data dir: what every host serving it applies (the window and `taskrun
daemon` alike), kept in `settings.toml` in the data dir. Preferences of one window (theme,
geometry) are not policy and stay in QSettings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from taskrun_gui.core.text import shorten

MIB = 1024 * 1024
DEFAULT_LOG_CAP = 100 * MIB  # a chatty task keeps its head and tail, not gigabytes
MAX_LOG_CAP = 1024 * 1024 * MIB  # 1 TiB: beyond that a cap means nothing
MIN_LOG_CAP = 4096  # a head and a tail of 2 KiB each, at the least
MAX_RETENTION_DAYS = 36_500  # a hundred years, as storage.retention allows
MAX_KEEP_PER_TASK = 1_000_000_000
MAX_ALERT_WINDOW = 10_000


@dataclass(frozen=True)
class Policy:
    log_cap_bytes: int = DEFAULT_LOG_CAP  # per run; 0: no cap; a task may set its own
    retention_days: int = 0  # finished runs older than this are deleted; 0: kept forever
    retention_per_task: int = 0  # only the newest this many finished runs of a task; 0: all
    alert_slow_run: bool = True  # tell about a run much slower than usual
    alert_success_rate: int = 80  # percent: tell when a task's success rate falls under; 0: no
    alert_window: int = 20  # over the task's last this many runs
    digest: str = ""  # "daily" or "weekly": a summary of the runs to digest_channel; "": none
    digest_channel: str = ""

    @property
    def retains(self) -> bool:
        """Retention has something to apply."""
        return bool(self.retention_days or self.retention_per_task)

    def log_cap_for(self, task_cap: int | None) -> int | None:
        """The cap of a run of a task (None: no cap)."""
        cap = self.log_cap_bytes if task_cap is None else task_cap
        return cap or None


def log_cap_error(value: object) -> str | None:
    """Why `value` is not a usable log cap in bytes (0 means no cap), or None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number of bytes, not {shorten(repr(value))}"
    if not 0 <= value <= MAX_LOG_CAP:
        return f"must be 0 (no cap) or a number of bytes up to {MAX_LOG_CAP}, not {value}"
    if 0 < value < MIN_LOG_CAP:
        return f"must be at least {MIN_LOG_CAP} bytes (or 0 for no cap), not {value}"
    return None


def _whole(value: object, low: int, high: int, what: str) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return f"must be {what} from {low} to {high}, not {value!r}"
    return None


def bool_error(value: object) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, not {value!r}"


CHECKS: dict[str, Callable[[object], str | None]] = {
    "log_cap_bytes": log_cap_error,
    "retention_days": lambda v: _whole(v, 0, MAX_RETENTION_DAYS, "a number of days (0: forever)"),
    "retention_per_task": lambda v: _whole(v, 0, MAX_KEEP_PER_TASK, "a number of runs (0: all)"),
    "alert_slow_run": bool_error,
    "alert_success_rate": lambda v: _whole(v, 0, 100, "a percentage (0: no alert)"),
    "alert_window": lambda v: _whole(v, 1, MAX_ALERT_WINDOW, "a number of runs"),
    "digest": lambda v: (
        None
        if v in ("", "daily", "weekly")
        else f"must be daily, weekly or empty (none), not {v!r}"
    ),
    "digest_channel": lambda v: (
        None if isinstance(v, str) and len(v) <= 40 else f"must be a channel name, not {v!r}"
    ),
}
