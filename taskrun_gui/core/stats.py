"""Run statistics: counts by status, success rate and duration figures.

Two sources give the same `RunStats`: a list of runs (exact percentiles) and the per-task daily
aggregate rows (percentiles from the merged duration histograms), so the Trends tab can show a
year of history without reading every run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from taskrun_gui.core.durations import (
    Histogram,
    hist_add,
    hist_merge,
    hist_percentile,
    percentile,
)
from taskrun_gui.core.models import RunStatus

# Views of the categories declared on RunStatus, for column lists and fast membership tests of
# the status strings rows hold. The final statuses, in the order counts are shown.
COUNTED_STATUSES: tuple[RunStatus, ...] = tuple(s for s in RunStatus if s.is_final)
FINISHED_STATUSES = frozenset(s for s in RunStatus if s.counts_for_success_rate)
TIMED_STATUSES = frozenset(s for s in RunStatus if s.is_timed)


@dataclass
class RunStats:
    """Counts and durations (seconds) over a set of runs; None where there is nothing to say."""

    total: int = 0
    success: int = 0
    failed: int = 0
    timeout: int = 0
    cancelled: int = 0
    error: int = 0
    interrupted: int = 0
    success_rate: float | None = None
    avg_s: float | None = None
    min_s: float | None = None
    max_s: float | None = None
    p50_s: float | None = None
    p95_s: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "success": self.success,
            "failed": self.failed,
            "timeout": self.timeout,
            "cancelled": self.cancelled,
            "error": self.error,
            "interrupted": self.interrupted,
            "success_rate": self.success_rate,
            "duration": {
                "avg": self.avg_s,
                "min": self.min_s,
                "max": self.max_s,
                "p50": self.p50_s,
                "p95": self.p95_s,
            },
        }


@dataclass
class DayAggregate:
    """One row of the per-task daily aggregate table (one task, one local day)."""

    day: str  # 'YYYY-MM-DD'
    counts: dict[str, int] = field(default_factory=dict)  # keyed by RunStatus value
    total_ms: int = 0  # sum over timed runs
    min_ms: int | None = None
    max_ms: int | None = None
    hist: Histogram = field(default_factory=dict)
    duration_count: int = 0  # timed runs with a duration

    @property
    def success_rate(self) -> float | None:
        return success_rate(self.counts)

    def add_run(self, status: str, duration_ms: int | None) -> None:
        """Count one finished run into this row, the way the run store keeps it up to date."""
        self.counts[str(status)] = self.counts.get(str(status), 0) + 1
        if duration_ms is None or status not in TIMED_STATUSES:
            return
        self.total_ms += duration_ms
        self.duration_count += 1
        self.min_ms = duration_ms if self.min_ms is None else min(self.min_ms, duration_ms)
        self.max_ms = duration_ms if self.max_ms is None else max(self.max_ms, duration_ms)
        hist_add(self.hist, duration_ms)

    def merged_with(self, other: DayAggregate) -> DayAggregate:
        counts = dict(self.counts)
        for status, n in other.counts.items():
            counts[status] = counts.get(status, 0) + n
        return DayAggregate(
            day=self.day,
            counts=counts,
            total_ms=self.total_ms + other.total_ms,
            min_ms=_min_opt(self.min_ms, other.min_ms),
            max_ms=_max_opt(self.max_ms, other.max_ms),
            hist=hist_merge(self.hist, other.hist),
            duration_count=self.duration_count + other.duration_count,
        )


def success_rate(counts: dict[str, int]) -> float | None:
    """success / finished runs (cancelled ones left out); None when no run finished."""
    finished = sum(counts.get(s.value, 0) for s in FINISHED_STATUSES)
    if finished == 0:
        return None
    return counts.get(RunStatus.SUCCESS.value, 0) / finished


def merge_days(rows: Iterable[DayAggregate]) -> list[DayAggregate]:
    """One row per day, oldest first: the rows of several tasks added together."""
    by_day: dict[str, DayAggregate] = {}
    for row in rows:
        base = by_day.get(row.day) or DayAggregate(row.day)
        by_day[row.day] = base.merged_with(row)  # a new row: the inputs stay as they were
    return [by_day[day] for day in sorted(by_day)]


def stats_from_runs(runs: Iterable[tuple[str, int | None]]) -> RunStats:
    """Exact statistics from (status, duration_ms) pairs; every pair counts in `total`."""
    counts: dict[str, int] = {}
    durations_s: list[float] = []
    total = 0
    for status, duration_ms in runs:
        total += 1
        counts[str(status)] = counts.get(str(status), 0) + 1
        if duration_ms is not None and status in TIMED_STATUSES:
            durations_s.append(duration_ms / 1000.0)
    stats = _counts_to_stats(counts, total)
    if durations_s:
        stats.avg_s = sum(durations_s) / len(durations_s)
        stats.min_s = min(durations_s)
        stats.max_s = max(durations_s)
        stats.p50_s = percentile(durations_s, 50)
        stats.p95_s = percentile(durations_s, 95)
    return stats


def stats_from_days(rows: Iterable[DayAggregate]) -> RunStats:
    """Statistics over daily aggregate rows; p50/p95 come from the merged histogram (~5 %)."""
    merged = DayAggregate("")
    for row in rows:
        merged = merged.merged_with(row)
    stats = _counts_to_stats(merged.counts, sum(merged.counts.values()))
    if merged.duration_count:
        stats.avg_s = merged.total_ms / merged.duration_count / 1000.0
        stats.p50_s = _ms_to_s(hist_percentile(merged.hist, 50))
        stats.p95_s = _ms_to_s(hist_percentile(merged.hist, 95))
    stats.min_s = _ms_to_s(merged.min_ms)
    stats.max_s = _ms_to_s(merged.max_ms)
    return stats


def _counts_to_stats(counts: dict[str, int], total: int) -> RunStats:
    return RunStats(
        total=total,
        success=counts.get(RunStatus.SUCCESS.value, 0),
        failed=counts.get(RunStatus.FAILED.value, 0),
        timeout=counts.get(RunStatus.TIMEOUT.value, 0),
        cancelled=counts.get(RunStatus.CANCELLED.value, 0),
        error=counts.get(RunStatus.ERROR.value, 0),
        interrupted=counts.get(RunStatus.INTERRUPTED.value, 0),
        success_rate=success_rate(counts),
    )


def _ms_to_s(ms: float | None) -> float | None:
    return None if ms is None else ms / 1000.0


def _min_opt(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    return a if b is None else min(a, b)


def _max_opt(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    return a if b is None else max(a, b)
