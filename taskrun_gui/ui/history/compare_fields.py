"""How the Compare dialog names and shows a run's fields: the stable run shape of
`core.run_json` (so "differs" means what `taskrun --json` would show differing), read the way
every other view reads it: labels instead of snake_case, local times, human durations and sizes.
"""

from __future__ import annotations

from typing import Any

from taskrun_gui.core.models import RunRecord
from taskrun_gui.core.run_json import FIELDS
from taskrun_gui.core.timefmt import human_bytes, human_duration, local_text

# The run's own id differs between any two runs: shown, never counted as a difference.
COMPARED = tuple(name for name in FIELDS if name != "id")

LABELS: dict[str, str] = {
    "id": "Run",
    "task": "Task",
    "version": "Version",
    "status": "Status",
    "trigger": "Trigger",
    "attempt": "Attempt",
    "exit_code": "Exit code",
    "signal": "Signal",
    "error_type": "Error",
    "error_message": "Error message",
    "queued_at": "Queued",
    "started_at": "Started",
    "finished_at": "Finished",
    "duration": "Duration",
    "active_duration": "Active time",
    "paused_seconds": "Paused",
    "host": "Host",
    "batch": "Batch",
    "triggered_by": "Triggered by run",
    "params": "Parameters",
    "peak_rss_bytes": "Peak memory",
    "cpu_seconds": "CPU time",
    "log_path": "Log file",
    "log_dropped_bytes": "Log bytes dropped",
}

_TIMES = {"queued_at": "queued_at", "started_at": "started_at", "finished_at": "finished_at"}


def label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").capitalize())


def value_text(rec: RunRecord, name: str, value: Any) -> str:
    """One field of `run_to_json(rec)` as the dialog shows it ("" for none)."""
    if value is None:
        return ""
    if name in _TIMES:
        return local_text(getattr(rec, _TIMES[name]))
    if name in ("duration", "active_duration", "paused_seconds", "cpu_seconds"):
        return human_duration(float(value))
    if name in ("peak_rss_bytes", "log_dropped_bytes"):
        return human_bytes(float(value))
    if name == "version":
        return f"v{value}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in sorted(value.items()))
    return str(value)
