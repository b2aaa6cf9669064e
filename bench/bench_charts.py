"""Target 6: a duration chart of 1,000,000 points renders in < 100 ms: DurationChart.set_data
with a series of 1M runs (statuses mixed as in a real history), then a forced repaint (grab)
of the widget. The TrendsData (rolling median, slow runs) is made beforehand, as the worker
does; only what the UI thread does is timed. Median of REPEAT."""

from __future__ import annotations

import statistics
import time

import numpy as np

from bench import qt
from bench.common import Result, report

POINTS = 1_000_000
REPEAT = 7


def _data():  # type: ignore[no-untyped-def]
    from taskrun_gui.core.stats import RunStats
    from taskrun_gui.storage.stats_repo import Scope
    from taskrun_gui.storage.trends_repo import DurationSeries, Heatmap
    from taskrun_gui.ui.trends import trend_data

    rng = np.random.default_rng(7)
    now = time.time() * 1000
    finished = np.sort(rng.uniform(now - 730 * 86_400_000, now, POINTS)).astype(np.int64)
    took = (rng.lognormal(0, 0.4, POINTS) * 20_000).astype(np.int64) + 1
    statuses = rng.choice(["success"] * 18 + ["failed", "timeout"], POINTS)
    series = DurationSeries(
        run_ids=list(range(1, POINTS + 1)),
        task_ids=[1] * POINTS,
        finished_at=finished.tolist(),
        duration_ms=took.tolist(),
        statuses=statuses.tolist(),
        total=POINTS,
    )
    x_s, y_s = finished / 1000.0, took / 1000.0
    roll = trend_data.rolling(x_s, y_s)
    slow = set(range(1, POINTS, 997))
    return trend_data.TrendsData(
        scope=Scope(None, None),
        days=[],
        series=series,
        rolling=roll,
        display=trend_data.display(series, roll, slow),  # the worker's part, as in the app
        slow=slow,
        shifts=[],
        versions=[],
        stats=RunStats(),
        heat=Heatmap([], [], [], [], []),
    )


def run() -> list[Result]:
    from taskrun_gui.ui.trends.duration_chart import DurationChart

    qt.app()
    data = _data()
    chart = DurationChart()
    chart.resize(1200, 400)
    chart.show()
    qt.spin(0.2)
    tries = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        chart.set_data(data)
        chart.grab()
        tries.append(time.perf_counter() - start)
        qt.spin(0.1)
    chart.close()
    chart.deleteLater()
    ms = statistics.median(tries) * 1000
    print(f"charts: 1M-point duration chart: set_data + grab {[round(t * 1000) for t in tries]} ms")
    return [
        Result("6. duration chart, 1M points (setData+grab)", f"{ms:.0f} ms", "< 100 ms", ms < 100)
    ]


if __name__ == "__main__":
    report(run())
