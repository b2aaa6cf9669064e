"""Trends of one node (Scope.node): the daily aggregates (task_day) are per task and day, not
per node, so these come from the node's run rows, read once through the covering (node,
finished_at, task_id, status, duration_ms) index and summed here: per-day success, the
duration series, the statistics and the task x day heat map. A range of the node's runs is
one index range read, no table lookups; all time over hundreds of thousands of runs takes
a second or so on the worker (the tab's other queries stay on the aggregates)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from taskrun_gui.core.stats import COUNTED_STATUSES, TIMED_STATUSES, RunStats, stats_from_runs
from taskrun_gui.core.stats import success_rate as rate_of
from taskrun_gui.core.timefmt import local_day
from taskrun_gui.storage import backend
from taskrun_gui.storage.schema import Task
from taskrun_gui.storage.stats_repo import Scope
from taskrun_gui.storage.trends_repo import DEFAULT_MAX_POINTS, DayRate, DurationSeries, Heatmap

_FINAL = tuple(sorted(str(s) for s in COUNTED_STATUSES))
_TIMED = frozenset(str(s) for s in TIMED_STATUSES)
_QUARTER_MS = 900_000  # every time zone's offset is a multiple of 15 minutes


@dataclass
class NodeRuns:
    """The node's final runs in the scope, oldest first: (id, task_id, finished_at,
    duration_ms, status, local day)."""

    rows: list[tuple[int, int, int, int | None, str, str]]


def read(scope: Scope, all_tasks: bool = False) -> NodeRuns:
    """One index range read; `all_tasks`: the scope's task left out (the heat map's)."""
    assert scope.node is not None
    where = "node = ? AND finished_at >= ?"
    args: list[Any] = [scope.node, scope.since_ms() or 0]
    if scope.task_id is not None and not all_tasks:
        where += " AND task_id = ?"
        args.append(scope.task_id)
    sql = (
        "SELECT id, task_id, finished_at, duration_ms, status FROM run WHERE "
        f"{where} AND status IN ({backend.marks(len(_FINAL))}) ORDER BY finished_at, id"
    )
    days: dict[int, str] = {}  # a quarter hour -> its local day: one strftime per quarter
    rows = []
    for run_id, task_id, finished, took, status in backend.query(sql, [*args, *_FINAL]):
        quarter = int(finished) // _QUARTER_MS
        day = days.get(quarter)
        if day is None:
            day = days[quarter] = local_day(quarter * _QUARTER_MS)
        rows.append((int(run_id), int(task_id), int(finished), took, str(status), day))
    return NodeRuns(rows)


def success_by_day(runs: NodeRuns) -> list[DayRate]:
    per_day: dict[str, dict[str, int]] = {}
    for *_ignored, status, day in runs.rows:
        counts = per_day.setdefault(day, {})
        counts[status] = counts.get(status, 0) + 1
    return [DayRate(d, sum(c.values()), rate_of(c)) for d, c in sorted(per_day.items())]


def durations(runs: NodeRuns, max_points: int = DEFAULT_MAX_POINTS) -> DurationSeries:
    """The timed runs; beyond `max_points`, an even stride of them (`sampled`)."""
    timed = [r[:5] for r in runs.rows if r[4] in _TIMED and r[3] is not None]
    total = len(timed)
    if total > max_points:
        step = -(-total // max_points)
        return DurationSeries.from_rows(timed[::step], total, sampled=True)
    return DurationSeries.from_rows(timed, total, sampled=False)


def run_stats(runs: NodeRuns) -> RunStats:
    return stats_from_runs((r[4], r[3]) for r in runs.rows)


def heatmap(runs: NodeRuns, since: str | None) -> Heatmap:
    """Task x day success rates of the node's runs, days without gaps up to today."""
    cells: dict[tuple[int, str], dict[str, int]] = {}
    for _id, task_id, _at, _took, status, day in runs.rows:
        counts = cells.setdefault((task_id, day), {})
        counts[status] = counts.get(status, 0) + 1
    today = dt.date.today()
    first = since or min((d for _t, d in cells), default=today.isoformat())
    start = dt.date.fromisoformat(first)
    day_list = [(start + dt.timedelta(n)).isoformat() for n in range((today - start).days + 1)]
    ids = sorted({t for t, _d in cells})
    names = {t.id: t.name for t in Task.select(Task.id, Task.name).where(Task.id.in_(ids))}
    ids.sort(key=lambda t: (names.get(t, "").lower(), t))
    heat = Heatmap(ids, [names.get(t, f"#{t}") for t in ids], day_list, [], [])
    col_of = {d: i for i, d in enumerate(day_list)}
    row_of = {t: i for i, t in enumerate(ids)}
    heat.rates = [[None] * len(day_list) for _ in ids]
    heat.counts = [[0] * len(day_list) for _ in ids]
    for (task_id, day), counts in cells.items():
        col = col_of.get(day)
        if col is None:  # a day in the future (clock change): not on the map
            continue
        heat.counts[row_of[task_id]][col] = sum(counts.values())
        heat.rates[row_of[task_id]][col] = rate_of(counts)
    return heat
