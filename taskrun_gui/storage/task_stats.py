"""Exact all-time statistics of one task, without reading its runs into Python.

`stats_from_runs` over a task's (status, duration) pairs is exact, but a busy task has tens
of thousands of runs: building them in Python took ~20 ms at a million runs. The same figures
come from indexes, summed in SQL: the counts per status from the (task_id, status, id) index,
and the durations from the partial (task_id, duration_ms, status) index of timed runs (mig. 14,
run_task_timed): their count and sum in one walk of it, each percentile the value at its
rank, read by an OFFSET from the nearer end (the index is ordered by duration). The
percentiles are those of core.durations.percentile (linear interpolation between the closest
ranks) computed with the same float operations, so the same numbers to the last bit; the
average is the exact sum over the count (stats_from_runs adds up floats: the two may differ
in the last bit).
"""

from __future__ import annotations

import math
from typing import Any

from taskrun_gui.core.stats import COUNTED_STATUSES, TIMED_STATUSES, RunStats, success_rate
from taskrun_gui.storage import backend
from taskrun_gui.storage.migrations import RUN_TIMED_PREDICATE
from taskrun_gui.storage.schema import database_proxy

_FINAL = frozenset(str(s) for s in COUNTED_STATUSES)
_TIMED_STATUSES = frozenset(str(s) for s in TIMED_STATUSES)
_TIMED = f"task_id = ? AND {RUN_TIMED_PREDICATE}"


class _Changed(Exception):
    """The task's runs changed between two of the statements (a retention pass, a finish)."""


def all_time(task_id: int) -> RunStats | None:
    """What stats_from_runs gives over the task's final runs of all time with a finish time
    (stats_repo._finished_pairs). None where that differs from what the indexes hold: a
    timed run without a finish time, or one before 1970 (none the engine records), or runs
    that changed under the statements (fewer ranks than counted); the caller reads the pairs
    then. On SQLite the statements read one snapshot (one read transaction)."""
    try:
        with database_proxy.obj.atomic():
            return _all_time(task_id)
    except _Changed:
        return None


def _all_time(task_id: int) -> RunStats | None:
    if backend.read(
        "SELECT 1 FROM run WHERE task_id = ? AND finished_at < 0 LIMIT 1", [task_id]
    ).fetchone():
        return None
    counts = dict.fromkeys(sorted(_FINAL), 0)
    rows = backend.read(
        "SELECT status, COUNT(*) FROM run WHERE task_id = ? GROUP BY status", [task_id]
    ).fetchall()
    for status, n in rows:
        if str(status) in _FINAL:
            counts[str(status)] += int(n)
    unfinished = backend.read(  # active runs, and final ones without a finish time
        "SELECT status, duration_ms FROM run WHERE task_id = ? AND finished_at IS NULL",
        [task_id],
    ).fetchall()
    for status, duration_ms in unfinished:
        if str(status) in _TIMED_STATUSES and duration_ms is not None:
            return None  # in run_task_timed, not in the pairs
        if str(status) in _FINAL:
            counts[str(status)] -= 1
    stats = RunStats(
        total=sum(counts.values()),
        **{s: counts[s] for s in sorted(_FINAL)},
        success_rate=success_rate(counts),
    )
    n, total_ms = backend.read(
        f"SELECT COUNT(*), SUM(duration_ms) FROM run WHERE {_TIMED}", [task_id]
    ).fetchone()
    n = int(n or 0)
    if n:
        stats.avg_s = int(total_ms) / 1000.0 / n
        stats.min_s = _ranks(task_id, n, 0, 0)[0] / 1000.0
        stats.max_s = _ranks(task_id, n, n - 1, n - 1)[0] / 1000.0
        stats.p50_s = _percentile(task_id, n, 50)
        stats.p95_s = _percentile(task_id, n, 95)
    return stats


def _percentile(task_id: int, n: int, q: float) -> float:
    """core.durations.percentile of the task's n timed durations (seconds), step for step."""
    pos = q * (n - 1) / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, n - 1)
    low, high = _ranks(task_id, n, lo, hi)
    low_value = float(low / 1000.0)
    return low_value + (float(high / 1000.0) - low_value) * (pos - lo)


def _ranks(task_id: int, n: int, lo: int, hi: int) -> tuple[int, int]:
    """The durations (ms) at ranks lo and hi (0 = shortest) of the task's timed runs: an
    OFFSET from whichever end of the index is nearer (an OFFSET walks entry by entry)."""
    from_top = lo > n - 1 - hi
    order, offset = ("DESC", n - 1 - hi) if from_top else ("ASC", lo)
    rows: list[Any] = backend.read(
        f"SELECT duration_ms FROM run WHERE {_TIMED} ORDER BY duration_ms {order} LIMIT ? OFFSET ?",
        [task_id, hi - lo + 1, offset],
    ).fetchall()
    values = [int(v) for (v,) in rows]
    if len(values) != hi - lo + 1:
        raise _Changed
    if from_top:
        values.reverse()
    return values[0], values[-1]
