"""The policy of a data dir: what every host serving it applies (the window and `taskrun
daemon` alike), kept in `settings.toml` in the data dir. Preferences of one window (theme,
geometry) are not policy and stay in QSettings."""

from __future__ import annotations

from dataclasses import dataclass

from taskrun_gui.core.text import shorten

MIB = 1024 * 1024
DEFAULT_LOG_CAP = 100 * MIB  # a chatty task keeps its head and tail, not gigabytes
MAX_LOG_CAP = 1024 * 1024 * MIB  # 1 TiB: beyond that a cap means nothing


@dataclass(frozen=True)
class Policy:
    log_cap_bytes: int = DEFAULT_LOG_CAP  # per run; 0: no cap; a task may set its own

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
    if 0 < value < 4096:
        return f"must be at least 4096 bytes (or 0 for no cap), not {value}"
    return None
