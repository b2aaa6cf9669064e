"""The queries behind the Trends tab, each on the daily aggregates or an indexed run range.

Nothing here scans the run table: per-day figures come from `task_day`, run durations from the
(task_id, finished_at, status, duration_ms) index (or the finished_at index for all tasks), and
"the last failure" from the (task_id, status, id) index. With a million runs over 50 tasks each
query stays well under 100 ms; tests/unit/test_trends_repo.py checks the plans.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from peewee import fn

from taskrun_gui.core import insights
from taskrun_gui.core.models import RunStatus
from taskrun_gui.core.spec_diff import SpecChanges, compare_specs
from taskrun_gui.core.stats import (
    COUNTED_STATUSES,
    FINISHED_STATUSES,
    TIMED_STATUSES,
)
from taskrun_gui.storage import backend, heat_grid, tasks_repo
from taskrun_gui.storage.schema import Run, Task, TaskDay, TaskVersion
from taskrun_gui.storage.stats_repo import Scope, day_conds, day_filter

# A point budget, as time-series dashboards keep: every run up to a few weeks of a busy task,
# beyond that a sample about the chart's width, so the read costs the same for 20,000 runs as
# for 200,000 (~2 ms at a million runs), where every run of a busy task was ~40 ms.
DEFAULT_MAX_POINTS = 10_000  # every run up to this (~15 ms)
SAMPLE_SLOTS = 600  # beyond max_points: one run per slot of time, one per 2 pixels or so
BROKEN_STATUSES = tuple(s for s in RunStatus if s.is_failure)
_TIMED = tuple(sorted(str(s) for s in TIMED_STATUSES))
_COUNT_COLUMNS = tuple(str(s) for s in COUNTED_STATUSES)
_FINISHED_COLUMNS = tuple(str(s) for s in COUNTED_STATUSES if s in FINISHED_STATUSES)


@dataclass(frozen=True)
class DayRate:
    day: str  # 'YYYY-MM-DD', local
    runs: int  # final runs that day, cancelled ones included
    success_rate: float | None  # 0..1 over finished runs (cancelled left out); None: none


@dataclass
class DurationSeries:
    """Timed runs, oldest first, column by column (a year of a busy task is 20,000 rows)."""

    run_ids: list[int] = field(default_factory=list)
    task_ids: list[int] = field(default_factory=list)
    finished_at: list[int] = field(default_factory=list)  # epoch ms
    duration_ms: list[int] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    total: int = 0  # timed runs in the scope, from the daily aggregates
    sampled: bool = False  # True: at most one run per time slot, not every run

    def __len__(self) -> int:
        return len(self.run_ids)

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[Any]], total: int, sampled: bool) -> DurationSeries:
        series = cls(total=total, sampled=sampled)
        if rows:
            ids, tasks, finished, took, statuses = zip(*rows, strict=True)
            series.run_ids, series.task_ids = list(ids), list(tasks)
            series.finished_at, series.duration_ms = list(finished), list(took)
            series.statuses = list(statuses)
        return series


@dataclass(frozen=True)
class VersionMark:
    task_id: int
    task_name: str
    number: int
    created_at: int  # epoch ms


@dataclass(frozen=True)
class ShiftMark:
    run_id: int  # the first run at the new level
    at_ms: int
    before_ms: float  # median duration before and after the shift
    after_ms: float
    version_before: int | None  # the version of the run just before the shift
    version_after: int | None


@dataclass
class Heatmap:
    task_ids: list[int]
    task_names: list[str]
    days: list[str]
    rates: list[list[float | None]]  # [task][day], 0..1; None: no finished run
    counts: list[list[int]]  # [task][day], final runs


@dataclass(frozen=True)
class RunRef:
    id: int
    version: int
    status: str
    finished_at: int | None


@dataclass(frozen=True)
class WhatChanged:
    failed: RunRef
    success: RunRef | None  # the last successful run before it; None: it never succeeded
    diff: str  # unified diff, success's version -> failed run's version
    changes: SpecChanges | None = None  # the same, field by field ("" diff: None)

    @property
    def same_version(self) -> bool:
        return self.success is not None and self.success.version == self.failed.version


# -- daily aggregates ---------------------------------------------------------------------------
def success_by_day(scope: Scope) -> list[DayRate]:
    """One row per local day with runs, oldest first; all tasks added up when none is chosen.
    The rate is divided in SQL (the same IEEE division of the same integers as
    core.stats.success_rate), so a row costs no more than the DayRate made of it."""
    conds, args = day_conds(scope)
    finished = " + ".join(f"SUM({s})" for s in _FINISHED_COLUMNS)
    rows = backend.read(
        f"SELECT day, {' + '.join(f'SUM({c})' for c in _COUNT_COLUMNS)},"
        f" CAST(SUM({RunStatus.SUCCESS}) AS DOUBLE PRECISION) / NULLIF({finished}, 0)"
        f" FROM task_day{''.join((' AND ' if i else ' WHERE ') + c for i, c in enumerate(conds))}"
        " GROUP BY day ORDER BY day",
        args,
    ).fetchall()
    return [DayRate(str(day), int(runs), rate) for day, runs, rate in rows]


def timed_run_count(scope: Scope) -> int:
    """Runs with a duration in the scope (success, failed, timeout), from the aggregates."""
    query = day_filter(TaskDay.select(fn.SUM(TaskDay.duration_count)), scope)
    return int(query.scalar() or 0)


def heatmap(days: int | None) -> Heatmap:
    """Task x day success rates over the last `days` local days (None: since the first run).

    Tasks are those with a run in the range, by name; days run without gaps up to today.
    The grid is built by numpy from the daily aggregates (storage/heat_grid.py): two years
    of fifty tasks are 36,500 rows, and a Python tuple per row cost more than the grid."""
    grid = heat_grid.read(Scope(None, days).since_day())
    ids = list(grid.task_ids)
    names = {t.id: t.name for t in Task.select(Task.id, Task.name).where(Task.id.in_(ids))}
    ids.sort(key=lambda t: (names.get(t, "").lower(), t))
    heat = Heatmap(ids, [names.get(t, f"#{t}") for t in ids], grid.days, [], [])
    heat.rates = [grid.rates[t] for t in ids]
    heat.counts = [grid.counts[t] for t in ids]
    return heat


# -- run ranges ---------------------------------------------------------------------------------
def durations(
    scope: Scope, max_points: int = DEFAULT_MAX_POINTS, slots: int = SAMPLE_SLOTS
) -> DurationSeries:
    """Timed runs of the scope, oldest first, read from the run_task_finished index only.

    Up to `max_points` runs, every run. Beyond that the time range is cut into `slots`
    equal slots and the first run finishing in each slot is kept (one index seek per slot):
    an even sample over time, so a busy day weighs like a quiet one and outliers may be left
    out; `sampled` says so. Daily figures (counts, percentiles) never come from this sample.
    """
    total = timed_run_count(scope)
    if total <= max_points:
        return DurationSeries.from_rows(_all_timed_runs(scope), total, sampled=False)
    return DurationSeries.from_rows(_sampled_runs(scope, slots), total, sampled=True)


def _task_cond(scope: Scope) -> tuple[str, list[Any]]:
    """A condition on run.task_id that lets SQLite seek the (task_id, finished_at, ...) index
    per task; for all tasks, one seek per task id (no table lookups, unlike the finished_at
    index)."""
    if scope.task_id is not None:
        return "task_id = ?", [scope.task_id]
    return "task_id IN (SELECT id FROM task)", []


def _all_timed_runs(scope: Scope) -> list[tuple[Any, ...]]:
    task_cond, args = _task_cond(scope)
    sql = (
        "SELECT id, task_id, finished_at, duration_ms, status FROM run "
        f"WHERE {task_cond} AND finished_at >= ? AND status IN ({backend.marks(len(_TIMED))}) "
        "AND duration_ms IS NOT NULL ORDER BY finished_at, id"
    )
    return list(backend.query(sql, [*args, scope.since_ms() or 0, *_TIMED]))


def _sampled_runs(scope: Scope, slots: int) -> list[tuple[Any, ...]]:
    # one seek per slot: for one task in run_task_finished, for all tasks in run_finished
    task_cond, args = (
        ("task_id = ? AND ", [scope.task_id]) if scope.task_id is not None else ("", [])
    )
    # two queries: MIN and MAX together would read the whole range instead of its two ends
    first = backend.query(
        f"SELECT MIN(finished_at) FROM run WHERE {task_cond}finished_at >= ?",
        [*args, scope.since_ms() or 0],
    ).fetchone()[0]
    last = backend.query(
        f"SELECT MAX(finished_at) FROM run WHERE {task_cond}finished_at >= ?",
        [*args, scope.since_ms() or 0],
    ).fetchone()[0]
    if first is None or last is None:
        return []
    t0, t1 = int(first), int(last) + 1
    width = max(1.0, (t1 - t0) / slots)
    sql = (
        "WITH RECURSIVE slot(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM slot WHERE i + 1 < ?) "
        "SELECT r.id, r.task_id, r.finished_at, r.duration_ms, r.status FROM slot "
        "JOIN run AS r ON r.id = (SELECT id FROM run WHERE "
        # the bounds as integers, like the column: PostgreSQL compares a bigint with a
        # fractional bound as numeric, which no index serves (minutes at a million runs)
        f"{task_cond}finished_at >= CAST(? + slot.i * ? AS BIGINT) "
        "AND finished_at < CAST(? + (slot.i + 1) * ? AS BIGINT) "
        # status a filter, not an index to use (SQLite: "+status"): the planner walks the
        # finished_at range of each slot instead of every run of the status (minutes at a
        # million runs)
        f"AND {backend.current().filter_only('status')} IN ({backend.marks(len(_TIMED))}) "
        "AND duration_ms IS NOT NULL "
        "ORDER BY finished_at LIMIT 1) ORDER BY r.finished_at, r.id"
    )
    return list(backend.query(sql, [slots, *args, t0, width, t0, width, *_TIMED]))


def _seconds(ms: float | None) -> float | None:
    return None if ms is None else ms / 1000.0


def version_marks(scope: Scope) -> list[VersionMark]:
    """Script edits in the scope's range: every version after the first, oldest first."""
    query = (
        TaskVersion.select(TaskVersion.task, Task.name, TaskVersion.number, TaskVersion.created_at)
        .join(Task)
        .where(TaskVersion.number > 1)
    )
    if scope.task_id is not None:
        query = query.where(TaskVersion.task == scope.task_id)
    since = scope.since_ms()
    if since is not None:
        query = query.where(TaskVersion.created_at >= since)
    rows = cast(Iterable[tuple[Any, ...]], query.order_by(TaskVersion.created_at).tuples())
    return [VersionMark(int(t), str(n), int(v), int(c)) for t, n, v, c in rows]


def task_names() -> list[tuple[int, str]]:
    """(id, name) of the live tasks, by name: the scope choices."""
    query = Task.select(Task.id, Task.name).where(Task.deleted_at.is_null()).order_by(Task.name)
    return [(int(i), str(n)) for i, n in cast(Iterable[tuple[Any, Any]], query.tuples())]


def recent_statuses(task_id: int, n: int = 40) -> list[str]:
    """The statuses of the task's last `n` runs, oldest first (the (task_id, id) index)."""
    query = Run.select(Run.status).where(Run.task == task_id).order_by(Run.id.desc()).limit(n)
    return [str(s) for (s,) in cast(Iterable[tuple[Any]], query.tuples())][::-1]


def _ref(run_id: int) -> RunRef:
    row = Run.select(Run.id, Run.version, Run.status, Run.finished_at).where(Run.id == run_id).get()
    return RunRef(int(row.id), int(row.version), str(row.status), row.finished_at)


def _last_id(task_id: int, status: RunStatus, before_id: int | None = None) -> int | None:
    query = Run.select(Run.id).where((Run.task == task_id) & (Run.status == str(status)))
    if before_id is not None:
        query = query.where(Run.id < before_id)
    value = query.order_by(Run.id.desc()).limit(1).scalar()
    return None if value is None else int(value)


def last_failure_and_prior_success(task_id: int) -> tuple[RunRef, RunRef | None] | None:
    """The latest failure (RunStatus.is_failure), and the last success before it; one
    seek per status in the (task_id, status, id) index. None when the task never broke."""
    ids = [i for s in BROKEN_STATUSES if (i := _last_id(task_id, s)) is not None]
    if not ids:
        return None
    failed = max(ids)
    success = _last_id(task_id, RunStatus.SUCCESS, before_id=failed)
    return _ref(failed), None if success is None else _ref(success)


def what_changed(task_id: int, failed_run_id: int | None = None) -> WhatChanged | None:
    """ "What changed before it broke": the diff from the last good run's version to the
    failed run's version (empty when they are the same version or there was no success).
    The failed run is the task's latest failure unless one is named."""
    if failed_run_id is None:
        found = last_failure_and_prior_success(task_id)
        if found is None:
            return None
        failed, success = found
    else:
        failed = _ref(failed_run_id)
        before = _last_id(task_id, RunStatus.SUCCESS, before_id=failed_run_id)
        success = None if before is None else _ref(before)
    changes: SpecChanges | None = None
    if success is not None and success.version != failed.version:
        try:
            old = tasks_repo.version_spec(task_id, success.version)
            new = tasks_repo.version_spec(task_id, failed.version)
        except tasks_repo.TaskNotFoundError:
            changes = None
        else:
            changes = compare_specs(old, new, f"v{success.version}", f"v{failed.version}")
    diff = "" if changes is None else changes.unified
    return WhatChanged(failed, success, diff, changes if diff else None)


# -- insights over a series (no query but the versions of a few runs) ---------------------------
def slow_runs(series: DurationSeries) -> set[int]:
    """core.insights.slow_runs_by_task over the series."""
    return insights.slow_runs_by_task(
        zip(series.run_ids, series.task_ids, series.statuses, series.duration_ms, strict=True)
    )


def shift_marks(series: DurationSeries) -> list[ShiftMark]:
    """core.insights.success_shifts of one task's series, with the versions of the runs on
    either side (the one query here)."""
    shifts = insights.success_shifts(series.statuses, series.duration_ms)
    if not shifts:
        return []
    ids = series.run_ids
    wanted = sorted({ids[s.at] for s in shifts} | {ids[s.before] for s in shifts})
    rows = cast(
        Iterable[tuple[Any, Any]],
        Run.select(Run.id, Run.version).where(Run.id.in_(wanted)).tuples(),
    )
    versions = {int(i): int(v) for i, v in rows}
    return [
        ShiftMark(
            run_id=ids[s.at],
            at_ms=series.finished_at[s.at],
            before_ms=s.before_ms,
            after_ms=s.after_ms,
            version_before=versions.get(ids[s.before]),
            version_after=versions.get(ids[s.at]),
        )
        for s in shifts
    ]


def flakiness(task_id: int) -> tuple[float, bool]:
    """(flip rate, flaky?) over the task's recent runs."""
    return insights.flakiness(recent_statuses(task_id))
