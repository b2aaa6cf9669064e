"""The heat map's task x day grid from the daily aggregates, built by numpy.

The grid is the same size whatever the history (tasks x days), but its source rows grow
with it: two years of fifty tasks busy every day are 36,500 task_day rows, and a Python
tuple per row cost more than the grid itself (~30 ms). So each column comes as one text
(the backend's joined aggregate) parsed by numpy, and the cells are set by index arrays:
what stays in Python is the grid's lists (`tolist`, in C). The values are those the rows
give: the runs of the day, and success / (runs - cancelled) as one IEEE division of the
same integers as Python's (None where no run finished).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from taskrun_gui.core.models import RunStatus
from taskrun_gui.core.stats import COUNTED_STATUSES
from taskrun_gui.storage import backend

_EPOCH = dt.date(1970, 1, 1)
_DAY_CHARS = 10  # 'YYYY-MM-DD'


@dataclass
class Grid:
    task_ids: list[int]  # ascending
    days: list[str]  # the first day to today, no gaps
    rates: dict[int, list[float | None]]  # per task, per day
    counts: dict[int, list[int]]


def read(since: str | None) -> Grid:
    """The grid of every task with a day in the range (from `since`, else the first day);
    a day after today (a clock change) is not on it."""
    import numpy as np  # here, not at the top: the CLI and the window start without numpy

    runs_sql = " + ".join(str(s) for s in COUNTED_STATUSES)
    b = backend.current()
    columns = [b.joined(c, ",") for c in ("task_id", runs_sql, str(RunStatus.SUCCESS))]
    columns += [b.joined(str(RunStatus.CANCELLED), ","), b.joined("day", "")]
    row = backend.read(
        f"SELECT {', '.join(columns)} FROM task_day" + ("" if since is None else " WHERE day >= ?"),
        [] if since is None else [since],
    ).fetchone()
    today = dt.date.today()
    if row is None or row[0] is None:
        return _empty(since or today.isoformat(), today)
    task, runs, success, cancelled = (_ints(np, str(text)) for text in row[:4])
    day_numbers = np.frombuffer(str(row[4]).encode("ascii"), dtype=f"S{_DAY_CHARS}")
    day_of = day_numbers.astype("datetime64[D]").astype(np.int64)
    start = dt.date.fromisoformat(since) if since else _EPOCH + dt.timedelta(int(day_of.min()))
    grid = _empty(start.isoformat(), today)
    col = day_of - (start - _EPOCH).days
    keep = (col >= 0) & (col < len(grid.days))
    grid.task_ids = [int(t) for t in np.unique(task)]
    row_of = np.searchsorted(np.asarray(grid.task_ids, dtype=np.int64), task)
    shape = (len(grid.task_ids), len(grid.days))
    counts = np.zeros(shape, dtype=np.int64)
    counts[row_of[keep], col[keep]] = runs[keep]
    finished = runs - cancelled
    rated = keep & (finished > 0)
    rates = np.full(shape, None, dtype=object)
    rates[row_of[rated], col[rated]] = success[rated] / finished[rated]
    grid.counts = dict(zip(grid.task_ids, counts.tolist(), strict=True))
    grid.rates = dict(zip(grid.task_ids, rates.tolist(), strict=True))
    return grid


def _ints(np: Any, text: str) -> Any:
    return np.fromstring(text, sep=",", dtype=np.int64)


def _empty(first: str, today: dt.date) -> Grid:
    start = dt.date.fromisoformat(first)
    days = [(start + dt.timedelta(n)).isoformat() for n in range((today - start).days + 1)]
    return Grid([], days, {}, {})
