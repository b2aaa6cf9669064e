"""The stable JSON and CSV shape of a run, shared by `taskrun --json`, export and the UI."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from taskrun_gui.core.models import RunRecord
from taskrun_gui.core.timefmt import ms_to_iso

FIELDS = (
    "id",
    "task",
    "version",
    "status",
    "trigger",
    "attempt",
    "exit_code",
    "signal",
    "error_type",
    "error_message",
    "queued_at",
    "started_at",
    "finished_at",
    "duration",
    "params",
    "peak_rss_bytes",
    "cpu_seconds",
    "log_path",
    "log_dropped_bytes",
    # "duration" is the wall time; the active time (pauses left out) is what statistics use
    "active_duration",
    "paused_seconds",
    "host",
    "batch",
    "triggered_by",
    "node",
)


def run_to_json(rec: RunRecord) -> dict[str, Any]:
    return {
        "id": rec.id,
        "task": rec.task_name,
        "version": rec.version,
        "status": str(rec.status),
        "trigger": str(rec.trigger),
        "attempt": rec.attempt,
        "exit_code": rec.exit_code,
        "signal": rec.signal,
        "error_type": None if rec.error_type is None else str(rec.error_type),
        "error_message": rec.error_message,
        "queued_at": ms_to_iso(rec.queued_at),
        "started_at": ms_to_iso(rec.started_at),
        "finished_at": ms_to_iso(rec.finished_at),
        "duration": rec.duration_seconds,
        "params": dict(rec.params),
        "peak_rss_bytes": rec.peak_rss,
        "cpu_seconds": rec.cpu_seconds,
        "log_path": rec.log_path,
        "log_dropped_bytes": rec.log_dropped,
        "active_duration": rec.active_seconds,
        "paused_seconds": rec.paused_ms / 1000.0,
        "host": rec.host,  # None: this machine
        "batch": rec.batch,
        "triggered_by": rec.triggered_by,  # the run id whose end started this one (chains)
        "node": rec.node,
    }


def runs_to_csv(runs: Iterable[RunRecord], out: io.TextIOBase | Any) -> int:
    """Write runs as CSV (params as a JSON object: `k=v;k=v` could not be read back when
    a value held `;` or `=`); returns the number of rows."""
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    n = 0
    for rec in runs:
        row = run_to_json(rec)
        row["params"] = json.dumps(row["params"], sort_keys=True, ensure_ascii=False)
        writer.writerow(row)
        n += 1
    return n
