"""Everything the Trends tab shows for one scope, gathered on a worker thread (no Qt here).

The queries are in storage/trends_repo.py; this adds the sums that need numpy or the insights
(rolling median and p95, slow runs, shifts), so the UI thread only calls setData.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from taskrun_gui.core.stats import RunStats
from taskrun_gui.storage import node_trends, stats_repo, steps_repo, trends_repo
from taskrun_gui.storage.stats_repo import Scope
from taskrun_gui.storage.trends_repo import (
    DayRate,
    DurationSeries,
    Heatmap,
    ShiftMark,
    VersionMark,
)

ROLLING_WINDOW = 20  # runs in the rolling median and p95

FloatArray = NDArray[np.float64]


@dataclass
class Rolling:
    x: FloatArray  # epoch seconds of the run closing each window
    p50: FloatArray  # seconds
    p95: FloatArray


@dataclass
class TrendsData:
    scope: Scope
    days: list[DayRate]
    series: DurationSeries
    rolling: Rolling
    slow: set[int]
    shifts: list[ShiftMark]
    versions: list[VersionMark]
    stats: RunStats
    heat: Heatmap
    flip_rate: float | None = None  # None: all tasks in scope
    flaky: bool = False
    query_ms: dict[str, float] = field(default_factory=dict)
    step_heat: Heatmap | None = None  # one multi-step task in scope: step x day
    display: Display | None = None  # what the chart draws, reduced on the worker


DISPLAY_POINTS = 8_000  # a chart ~1,000 px wide shows no more dots than this
DISPLAY_BAND = 500  # a band's outline with more vertices fills slowly (it zigzags)


@dataclass
class Display:
    """The duration chart's arrays, ready for setData: per status (x s, y s), and the
    rolling band, each thinned so the UI thread draws at most a few thousand items."""

    points: dict[str, tuple[FloatArray, FloatArray]]
    band: Rolling
    x: FloatArray  # every run, for hover and click
    y: FloatArray
    ids: NDArray[np.int64]
    slow: tuple[FloatArray, FloatArray]


def display(series: DurationSeries, roll: Rolling, slow: set[int] | None = None) -> Display:
    """Thin the chart's points on the worker: beyond DISPLAY_POINTS successes (a quarter of
    that for the other statuses) an even stride is kept, which keeps density honest; hover
    and click still find every run (x, y, ids are complete)."""
    x = np.asarray(series.finished_at, dtype=np.float64) / 1000.0
    y = np.asarray(series.duration_ms, dtype=np.float64) / 1000.0
    codes = np.asarray(series.statuses)
    points: dict[str, tuple[FloatArray, FloatArray]] = {}
    for status in np.unique(codes).tolist():
        idx = np.flatnonzero(codes == status)
        cap = DISPLAY_POINTS if status == "success" else DISPLAY_POINTS // 4
        if len(idx) > cap:
            idx = idx[:: -(-len(idx) // cap)]
        points[str(status)] = (x[idx], y[idx])
    step = -(-len(roll.x) // DISPLAY_BAND) if len(roll.x) > DISPLAY_BAND else 1
    band = Rolling(roll.x[::step], roll.p50[::step], roll.p95[::step])
    ids = np.asarray(series.run_ids, dtype=np.int64)
    flagged = np.fromiter(slow or (), dtype=np.int64)
    is_slow = np.isin(ids, flagged)
    return Display(points, band, x, y, ids, (x[is_slow], y[is_slow]))


def rolling(x_s: FloatArray, y_s: FloatArray, window: int = ROLLING_WINDOW) -> Rolling:
    """Median and p95 of the last `window` runs at each run (fewer runs: one window of all)."""
    n = len(y_s)
    w = min(window, n)
    if w < 2:
        empty = np.zeros(0)
        return Rolling(empty, empty, empty)
    windows = np.lib.stride_tricks.sliding_window_view(y_s, w)
    return Rolling(
        x_s[w - 1 :].copy(),
        np.median(windows, axis=1),
        np.percentile(windows, 95, axis=1),
    )


def load(scope: Scope, heat_days: int | None = None) -> TrendsData:
    """Run every query of the tab for `scope`; the heat map covers all tasks."""
    timings: dict[str, float] = {}

    def timed(name: str, fn):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        result = fn()
        timings[name] = (time.perf_counter() - start) * 1000
        return result

    if scope.node is not None:
        days, series, stats, heat = timed("node_runs", lambda: _of_node(scope, heat_days))
    else:
        days = timed("success_by_day", lambda: trends_repo.success_by_day(scope))
        series = timed("durations", lambda: trends_repo.durations(scope))
        stats = timed("stats", lambda: stats_repo.run_stats(scope))
        heat = timed(
            "heatmap", lambda: trends_repo.heatmap(scope.days if heat_days is None else heat_days)
        )
    versions = timed("version_marks", lambda: trends_repo.version_marks(scope))
    x_s = np.asarray(series.finished_at, dtype=np.float64) / 1000.0
    y_s = np.asarray(series.duration_ms, dtype=np.float64) / 1000.0
    roll = rolling(x_s, y_s)
    slow = trends_repo.slow_runs(series)
    data = TrendsData(
        scope=scope,
        days=days,
        series=series,
        rolling=roll,
        slow=slow,
        shifts=[],
        versions=versions,
        stats=stats,
        heat=heat,
        query_ms=timings,
        display=display(series, roll, slow),
    )
    if scope.task_id is not None:
        data.shifts = trends_repo.shift_marks(series)
        data.flip_rate, data.flaky = trends_repo.flakiness(scope.task_id)
        task_id = scope.task_id
        data.step_heat = timed("step_heatmap", lambda: steps_repo.step_heatmap(task_id, scope.days))
    return data


def _of_node(
    scope: Scope, heat_days: int | None
) -> tuple[list[DayRate], DurationSeries, RunStats, Heatmap]:
    """The figures of one node, from its run rows (storage/node_trends.py)."""
    runs = node_trends.read(scope)
    heat_scope = Scope(None, scope.days if heat_days is None else heat_days, scope.node)
    heat_runs = (
        runs
        if scope.task_id is None and heat_days is None
        else node_trends.read(heat_scope, all_tasks=True)
    )
    heat = node_trends.heatmap(heat_runs, heat_scope.since_day())
    return (
        node_trends.success_by_day(runs),
        node_trends.durations(runs),
        node_trends.run_stats(runs),
        heat,
    )
