"""Statistics and chart series, read from the daily aggregates or indexed run ranges only."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from peewee import fn

from taskrun_gui.core import durations
from taskrun_gui.core.models import ACTIVE_STATUSES
from taskrun_gui.core.stats import (
    COUNTED_STATUSES,
    DayAggregate,
    RunStats,
    stats_from_runs,
    success_rate,
)
from taskrun_gui.core.timefmt import local_day
from taskrun_gui.storage import backend, task_stats
from taskrun_gui.storage.schema import TaskDay

EXACT_LIMIT = 50_000  # up to this many runs, percentiles are exact; beyond, from histograms
_COUNT_COLUMNS = tuple(str(s) for s in COUNTED_STATUSES)
_ACTIVE = tuple(sorted(str(s) for s in ACTIVE_STATUSES))


@dataclass
class Scope:
    task_id: int | None = None
    days: int | None = None  # the last N local days including today; None = all time
    node: str | None = None  # one node's runs (storage/node_trends.py); None = every node

    def since_day(self) -> str | None:
        if self.days is None:
            return None
        return local_day(int((time.time() - (self.days - 1) * 86400) * 1000))

    def since_ms(self) -> int | None:
        day = self.since_day()
        if day is None:
            return None
        return int(time.mktime(time.strptime(day, "%Y-%m-%d")) * 1000)


def day_rows(scope: Scope) -> list[DayAggregate]:
    """Per-day aggregates of the scope, oldest first (tasks merged when scope is all tasks)."""
    query = TaskDay.select()
    if scope.task_id is not None:
        query = query.where(TaskDay.task == scope.task_id)
    since = scope.since_day()
    if since is not None:
        query = query.where(TaskDay.day >= since)
    by_day: dict[str, DayAggregate] = {}
    for r in query.order_by(TaskDay.day):
        row = DayAggregate(
            day=r.day,
            counts={
                "success": r.success,
                "failed": r.failed,
                "timeout": r.timeout,
                "cancelled": r.cancelled,
                "error": r.error,
                "interrupted": r.interrupted,
            },
            total_ms=r.total_ms,
            min_ms=r.min_ms,
            max_ms=r.max_ms,
            hist=durations.hist_decode(r.hist),
            duration_count=r.duration_count,
        )
        by_day[r.day] = by_day[r.day].merged_with(row) if r.day in by_day else row
    return list(by_day.values())


def run_stats(scope: Scope) -> RunStats:
    """The statistics panel and `taskrun stats`: exact for up to EXACT_LIMIT runs.

    Whether the scope holds more is summed in SQL over the daily aggregates. Up to
    EXACT_LIMIT runs the figures are exact: one task's all time in SQL over indexes
    (storage/task_stats.py, the same figures as stats_from_runs), other scopes from the
    (status, duration) pairs read from the covering (task_id, finished_at, status,
    duration_ms) index (a range of days holds the runs run in it); beyond, the figures are
    those of `stats_from_days` (histograms merged with numpy): building a DayAggregate per
    row costs over a second for two years of fifty tasks, the sums in SQL a few ms."""
    if scope.task_id is not None and scope.days is None and _final_runs(scope) <= EXACT_LIMIT:
        exact = task_stats.all_time(scope.task_id)  # the same figures, in SQL
        if exact is not None:
            return exact
    sums = [fn.SUM(getattr(TaskDay, c)) for c in _COUNT_COLUMNS]
    extra = [fn.SUM(TaskDay.duration_count), fn.SUM(TaskDay.total_ms)]
    extra += [fn.MIN(TaskDay.min_ms), fn.MAX(TaskDay.max_ms)]
    row = day_filter(TaskDay.select(*sums, *extra), scope).tuples().get()
    counts = {c: int(v or 0) for c, v in zip(_COUNT_COLUMNS, row[: len(sums)], strict=True)}
    if sum(counts.values()) <= EXACT_LIMIT:
        return stats_from_runs(_finished_pairs(scope))
    timed, total_ms = int(row[len(sums)] or 0), int(row[len(sums) + 1] or 0)
    min_ms, max_ms = row[len(sums) + 2], row[len(sums) + 3]
    stats = RunStats(
        total=sum(counts.values()),
        **{c: counts[c] for c in _COUNT_COLUMNS},
        success_rate=success_rate(counts),
    )
    if timed:
        hist = merged_hist(scope)
        stats.avg_s = total_ms / timed / 1000.0
        stats.p50_s = _seconds(durations.hist_percentile(hist, 50))
        stats.p95_s = _seconds(durations.hist_percentile(hist, 95))
    stats.min_s, stats.max_s = _seconds(min_ms), _seconds(max_ms)
    return stats


def _final_runs(scope: Scope) -> int:
    """The scope's final runs, summed over the daily aggregates as one expression in plain
    SQL: a quarter of the time of the twelve sums through the ORM, which one task's all time
    does not need when it is exact."""
    conds, args = day_conds(scope)
    where = "".join((" AND " if i else " WHERE ") + c for i, c in enumerate(conds))
    total = backend.read(
        f"SELECT SUM({' + '.join(_COUNT_COLUMNS)}) FROM task_day{where}", args
    ).fetchone()[0]
    return int(total or 0)


def day_filter(query: Any, scope: Scope) -> Any:
    """Restrict a TaskDay query to the scope's task and days."""
    if scope.task_id is not None:
        query = query.where(TaskDay.task == scope.task_id)
    since = scope.since_day()
    if since is not None:
        query = query.where(TaskDay.day >= since)
    return query


def _finished_pairs(scope: Scope) -> list[tuple[str, int | None]]:
    """(status, duration_ms) of the scope's final runs, from the covering index only: one
    task is a range of it, all tasks one range per task id."""
    if scope.task_id is not None:
        task_cond, args = "task_id = ?", [scope.task_id]
    else:
        task_cond, args = "task_id IN (SELECT id FROM task)", []
    cursor = backend.query(
        f"SELECT status, duration_ms FROM run WHERE {task_cond} AND finished_at >= ? "
        f"AND status NOT IN ({backend.marks(len(_ACTIVE))})",
        [*args, scope.since_ms() or 0, *_ACTIVE],
    )
    return [(str(s), None if d is None else int(d)) for s, d in cursor]


def merged_hist(scope: Scope) -> durations.Histogram:
    """The scope's duration histograms added up: two years of fifty tasks are 36,000 texts
    of "k:c,k:c", joined by the database into one text and parsed by numpy in one go
    (~20 ms, against ~1 s for hist_decode and hist_merge per row)."""
    conds, args = day_conds(scope)
    text = backend.read(
        f"SELECT {backend.current().joined('hist', ',')} FROM task_day WHERE hist != ''"
        + "".join(" AND " + c for c in conds),
        args,
    ).fetchone()[0]
    if not text:
        return {}
    import numpy as np  # here, not at the top: the CLI and the window start without numpy

    numbers = np.fromstring(str(text).replace(":", ","), sep=",", dtype=np.int64)
    merged = np.bincount(numbers[0::2], weights=numbers[1::2])
    return {int(k): int(merged[k]) for k in np.flatnonzero(merged)}


def day_conds(scope: Scope) -> tuple[list[str], list[Any]]:
    """SQL conditions (and their arguments) on task_day for the scope's task and days."""
    conds: list[str] = []
    args: list[Any] = []
    if scope.task_id is not None:
        conds.append("task_id = ?")
        args.append(scope.task_id)
    since = scope.since_day()
    if since is not None:
        conds.append("day >= ?")
        args.append(since)
    return conds, args


def _seconds(ms: float | None) -> float | None:
    return None if ms is None else ms / 1000.0


def success_counts(days: int) -> dict[int, tuple[int, int]]:
    """(successes, finished runs) per task over the last `days` local days, from the daily
    aggregates in one query (cancelled runs are not counted, as in the success rate)."""
    since = Scope(None, days).since_day()
    rows = backend.query(
        "SELECT task_id, SUM(success), SUM(success + failed + timeout + error + interrupted)"
        " FROM task_day WHERE day >= ? GROUP BY task_id",
        [since],
    ).fetchall()
    return {int(t): (int(s or 0), int(n or 0)) for t, s, n in rows}
