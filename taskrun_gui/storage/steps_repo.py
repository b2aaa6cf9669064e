"""Steps of multi-step tasks over time: which step fails on which day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from taskrun_gui.core.models import STEP_SKIPPED, RunStatus
from taskrun_gui.storage import backend
from taskrun_gui.storage.stats_repo import Scope
from taskrun_gui.storage.trends_repo import Heatmap

_FAILED = (str(RunStatus.FAILED), str(RunStatus.TIMEOUT), str(RunStatus.ERROR))


def step_heatmap(task_id: int, days: int | None) -> Heatmap:
    """Step x day of one task: the share of the step's runs that did not fail (so failing
    days show red, as on the task heat map); skipped steps do not count. Rows are the
    step positions, named by their latest name. Reads runs through (task_id, finished_at)."""
    scope = Scope(task_id, days)
    since = scope.since_ms()
    sql = (
        f"SELECT s.idx, s.name, {backend.current().local_day('r.finished_at')} AS day,"
        " SUM(CASE WHEN s.status IN (?, ?, ?) THEN 1 ELSE 0 END) AS failed, COUNT(*) AS n,"
        " MAX(r.id)"
        " FROM run r JOIN run_step s ON s.run_id = r.id"
        " WHERE r.task_id = ? AND r.finished_at IS NOT NULL"
        + ("" if since is None else " AND r.finished_at >= ?")
        + " AND s.status != ? GROUP BY s.idx, day, s.name ORDER BY s.idx, day"
    )
    params: list[Any] = [*_FAILED, task_id, *([] if since is None else [since]), STEP_SKIPPED]
    rows = list(cast(Iterable[tuple[Any, ...]], backend.query(sql, params)))
    if not rows:
        return Heatmap([], [], [], [], [])
    today = dt.date.today()
    start = dt.date.fromisoformat(scope.since_day() or min(str(r[2]) for r in rows))
    day_list = [(start + dt.timedelta(n)).isoformat() for n in range((today - start).days + 1)]
    col_of = {d: i for i, d in enumerate(day_list)}
    steps: dict[int, tuple[int, str]] = {}  # idx -> (newest run id seen, name)
    for idx, name, _day, _failed, _n, newest in rows:
        if int(idx) not in steps or int(newest) > steps[int(idx)][0]:
            steps[int(idx)] = (int(newest), str(name))
    order = sorted(steps)
    row_of = {idx: i for i, idx in enumerate(order)}
    heat = Heatmap(
        order,
        [steps[i][1] for i in order],
        day_list,
        [[None] * len(day_list) for _ in order],
        [[0] * len(day_list) for _ in order],
    )
    failures: dict[tuple[int, int], int] = {}  # a step renamed on a day: its names add up
    for idx, _name, day, failed, n, _newest in rows:
        col = col_of.get(str(day))
        if col is None:
            continue
        row = row_of[int(idx)]
        heat.counts[row][col] += int(n)
        failures[(row, col)] = failures.get((row, col), 0) + int(failed)
    for (row, col), failed in failures.items():
        runs = heat.counts[row][col]
        heat.rates[row][col] = 1 - failed / runs if runs else None
    return heat
