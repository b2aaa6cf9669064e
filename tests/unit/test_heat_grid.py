"""The heat map (built by numpy from joined columns, storage/heat_grid.py) against the grid
computed cell by cell in Python from the task_day rows, on both backends."""

from __future__ import annotations

import datetime as dt

import pytest

from taskrun_gui.storage import trends_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.schema import Task, TaskDay
from taskrun_gui.storage.stats_repo import Scope
from tests.unit.test_trends_repo import History, day_ms


@pytest.fixture
def hist(store: Store) -> History:
    return History(store)


def straight(days: int | None) -> trends_repo.Heatmap:
    """The grid from every task_day row, one cell at a time."""
    since = Scope(None, days).since_day()
    rows = [r for r in TaskDay.select() if since is None or r.day >= since]
    today = dt.date.today()
    start = dt.date.fromisoformat(since or min((r.day for r in rows), default=str(today)))
    day_list = [str(start + dt.timedelta(n)) for n in range((today - start).days + 1)]
    names = {t.id: t.name for t in Task.select()}
    ids = sorted({r.task_id for r in rows}, key=lambda t: (names[t].lower(), t))
    rates: list[list[float | None]] = [[None] * len(day_list) for _ in ids]
    counts = [[0] * len(day_list) for _ in ids]
    for r in rows:
        if r.day not in day_list:
            continue
        i, j = ids.index(r.task_id), day_list.index(r.day)
        runs = r.success + r.failed + r.timeout + r.cancelled + r.error + r.interrupted
        counts[i][j] = runs
        rates[i][j] = r.success / (runs - r.cancelled) if runs - r.cancelled else None
    return trends_repo.Heatmap(ids, [names[t] for t in ids], day_list, rates, counts)


def test_the_grid_is_that_of_the_rows(hist: History) -> None:
    b, a, c = hist.task("b"), hist.task("A"), hist.task("c")
    hist.task("never ran")
    statuses = ("success", "failed", "success", "timeout", "error", "interrupted", "success")
    for i in range(70):
        hist.run((a, b, c)[i % 3], statuses[i % 7], 10, day_ms(i % 45, 8, i % 60))
    hist.run(a, "cancelled", None, day_ms(50))  # a day of cancelled runs only: no rate
    hist.run(c, "success", 3, day_ms(-2))  # a day after today (a clock change): not shown
    hist.run(hist.task("only later"), "success", 3, day_ms(-3))
    for days in (None, 1, 7, 30, 60, 400):
        got, want = trends_repo.heatmap(days), straight(days)
        assert got == want, days
        cells = [x for row in got.rates for x in row]
        assert {type(x) for x in cells} <= {float, type(None)}
        assert {type(x) for row in got.counts for x in row} <= {int}
    assert trends_repo.heatmap(None).task_names[:3] == ["A", "b", "c"]


def test_an_empty_history(hist: History) -> None:
    hist.task("idle")
    for days in (None, 3):
        got = trends_repo.heatmap(days)
        assert got == straight(days)
        assert (got.task_ids, got.rates, got.counts) == ([], [], [])
    assert trends_repo.heatmap(None).days == [str(dt.date.today())]
