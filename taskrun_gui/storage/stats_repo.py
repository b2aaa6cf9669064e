"""Statistics and chart series, read from the daily aggregates or indexed run ranges only."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from peewee import SQL, fn

from taskrun_gui.core import durations
from taskrun_gui.core.stats import DayAggregate, RunStats, stats_from_days, stats_from_runs
from taskrun_gui.core.timefmt import local_day
from taskrun_gui.storage.schema import Run, TaskDay

EXACT_LIMIT = 50_000  # up to this many runs, percentiles are exact; beyond, from histograms


@dataclass
class Scope:
    task_id: int | None = None
    days: int | None = None  # the last N local days including today; None = all time

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


def _finished_range(scope: Scope):  # type: ignore[no-untyped-def]
    query = Run.finished_at.is_null(False)
    if scope.task_id is not None:
        query = query & (Run.task == scope.task_id)
    since = scope.since_ms()
    if since is not None:
        query = query & (Run.finished_at >= since)
    return query


def run_stats(scope: Scope) -> RunStats:
    """The statistics panel and `taskrun stats`: exact for up to EXACT_LIMIT runs."""
    rows = day_rows(scope)
    total = sum(sum(r.counts.values()) for r in rows)
    if total <= EXACT_LIMIT:
        pairs = (
            Run.select(Run.status, Run.duration_ms)
            .where(_finished_range(scope) & Run.status.not_in(["queued", "running", "paused"]))
            .tuples()
        )
        return stats_from_runs(list(cast(Iterable[tuple[str, int | None]], pairs)))
    return stats_from_days(rows)


def durations_series(scope: Scope, limit: int = 2_000_000) -> list[tuple[int, int, int, str]]:
    """(run id, finished_at ms, duration ms, status) of timed runs, oldest first; read from
    the (task_id, finished_at, status, duration_ms) index."""
    query = (
        Run.select(Run.id, Run.finished_at, Run.duration_ms, Run.status)
        .where(_finished_range(scope) & Run.duration_ms.is_null(False))
        .order_by(Run.finished_at)
        .limit(limit)
        .tuples()
    )
    tuples = cast(Iterable[tuple[Any, ...]], query)
    return [(int(a), int(b), int(c), str(d)) for a, b, c, d in tuples]


def finished_count(scope: Scope) -> int:
    return int(Run.select(fn.COUNT(SQL("*"))).where(_finished_range(scope)).scalar() or 0)
