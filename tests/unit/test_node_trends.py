"""Trends of one node (Scope.node), from the node's run rows: per-day success, durations,
statistics and the heat map count that node's runs only; on SQLite the read is one range of
the covering (node, finished_at, ...) index, never a scan of the run table."""

from __future__ import annotations

import time

from taskrun_gui.core.timefmt import local_day
from taskrun_gui.storage import node_trends
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.schema import Run
from taskrun_gui.storage.stats_repo import Scope
from tests.unit.test_trends_repo import History

HOUR = 3_600_000


def _yesterday_noon() -> int:
    today = time.strftime("%Y-%m-%d")
    midnight = time.mktime(time.strptime(today, "%Y-%m-%d"))
    return int((midnight - 12 * 3600) * 1000)


def _history(store: Store) -> tuple[int, int]:
    """Two tasks; node alpha: 2 successes and a failure of `ok`, one success of `other`;
    node beta: a success of `ok`."""
    hist = History(store)
    ok, other = hist.task("ok"), hist.task("other")
    now = _yesterday_noon()  # every run on one local day, whenever the test runs
    placed = [
        (ok, "success", 1_000, now - 3 * HOUR, "alpha"),
        (ok, "failed", 3_000, now - 2 * HOUR, "alpha"),
        (ok, "success", 2_000, now - HOUR, "alpha"),
        (other, "success", 500, now - HOUR, "alpha"),
        (ok, "success", 9_000, now - HOUR, "beta"),
    ]
    for task, status, took, at, node in placed:
        run_id = hist.run(task, status, took, at)
        Run.update(node=node).where(Run.id == run_id).execute()
    return ok, other


def test_one_nodes_figures_count_its_runs_only(store: Store) -> None:
    ok, other = _history(store)
    runs = node_trends.read(Scope(ok, 30, "alpha"))
    [day] = node_trends.success_by_day(runs)
    assert day.runs == 3 and abs((day.success_rate or 0) - 2 / 3) < 1e-9
    series = node_trends.durations(runs)
    assert series.duration_ms == [1_000, 3_000, 2_000] and not series.sampled
    stats = node_trends.run_stats(runs)
    assert (stats.total, stats.success, stats.failed) == (3, 2, 1)
    beta = node_trends.run_stats(node_trends.read(Scope(None, 30, "beta")))
    assert (beta.total, beta.success) == (1, 1)

    heat = node_trends.heatmap(node_trends.read(Scope(ok, 30, "alpha"), all_tasks=True), None)
    assert heat.task_names == ["ok", "other"]
    day_col = heat.days.index(local_day(_yesterday_noon()))
    assert [row[day_col] for row in heat.counts] == [3, 1]
    sampled = node_trends.durations(node_trends.read(Scope(None, 30, "alpha")), max_points=2)
    assert sampled.sampled and sampled.total == 4 and len(sampled) == 2
    assert ok != other


def test_the_read_is_an_index_range_on_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "data").open()
    try:
        _history(store)
        sql = (
            "SELECT id, task_id, finished_at, duration_ms, status FROM run WHERE node = ? AND "
            "finished_at >= ? AND status IN ('success', 'failed') ORDER BY finished_at, id"
        )
        plan = " ".join(
            str(row[-1]) for row in store.db.execute_sql("EXPLAIN QUERY PLAN " + sql, ["alpha", 0])
        )
        assert "COVERING INDEX run_node_finished" in plan, plan
    finally:
        store.close()
