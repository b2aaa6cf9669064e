"""Run statistics from runs (exact) and from daily aggregate rows (histogram percentiles)."""

from __future__ import annotations

import random

import pytest

from taskrun_gui.core.durations import percentile
from taskrun_gui.core.models import RunStatus
from taskrun_gui.core.stats import (
    DayAggregate,
    RunStats,
    merge_days,
    stats_from_days,
    stats_from_runs,
)

S, F, T, C, E, INT = (
    RunStatus.SUCCESS,
    RunStatus.FAILED,
    RunStatus.TIMEOUT,
    RunStatus.CANCELLED,
    RunStatus.ERROR,
    RunStatus.INTERRUPTED,
)


def test_success_rate_leaves_cancelled_runs_out() -> None:
    runs = [(S, 100), (S, 200), (S, 300), (F, 400), (C, None), (C, 50)]
    stats = stats_from_runs(runs)
    assert stats.success_rate == 0.75
    assert (stats.total, stats.success, stats.failed, stats.cancelled) == (6, 3, 1, 2)


def test_error_and_interrupted_count_as_finished_but_have_no_duration() -> None:
    runs = [(S, 1000), (E, 5), (INT, 90_000), (T, 3000)]
    stats = stats_from_runs(runs)
    assert stats.success_rate == 0.25
    assert stats.min_s == 1.0 and stats.max_s == 3.0
    assert stats.avg_s == 2.0


def test_exact_duration_figures_in_seconds() -> None:
    runs = [(S, ms) for ms in range(1000, 101_000, 1000)]  # 1..100 s
    stats = stats_from_runs(runs)
    assert stats.p50_s == 50.5
    assert stats.p95_s == pytest.approx(95.05, abs=1e-12)
    assert stats.avg_s == 50.5
    assert (stats.min_s, stats.max_s) == (1.0, 100.0)


def test_no_runs_gives_none_everywhere() -> None:
    stats = stats_from_runs([])
    assert stats == RunStats()
    assert stats.success_rate is None and stats.p95_s is None
    only_cancelled = stats_from_runs([("cancelled", None)])
    assert only_cancelled.success_rate is None
    assert only_cancelled.total == 1


def test_to_json_has_exactly_the_documented_keys() -> None:
    data = stats_from_runs([("success", 2000), ("failed", 4000)]).to_json()
    assert set(data) == {
        "total",
        "success",
        "failed",
        "timeout",
        "cancelled",
        "error",
        "interrupted",
        "success_rate",
        "duration",
    }
    assert data["duration"] == {"avg": 3.0, "min": 2.0, "max": 4.0, "p50": 3.0, "p95": 3.9}
    assert data["success_rate"] == 0.5


def _day(day: str, runs: list[tuple[RunStatus, int | None]]) -> DayAggregate:
    row = DayAggregate(day)
    for status, ms in runs:
        row.add_run(status, ms)
    return row


def test_day_aggregate_counts_only_timed_durations() -> None:
    row = _day("2026-01-02", [(S, 100), (F, 300), (C, 5), (E, None), (INT, 10_000)])
    assert row.counts == {"success": 1, "failed": 1, "cancelled": 1, "error": 1, "interrupted": 1}
    assert (row.total_ms, row.duration_count, row.min_ms, row.max_ms) == (400, 2, 100, 300)
    assert row.success_rate == 0.25
    assert DayAggregate("2026-01-03").success_rate is None


def test_stats_from_days_matches_exact_stats_within_histogram_error() -> None:
    rng = random.Random(3)
    runs: list[tuple[RunStatus, int | None]] = []
    rows = []
    for d in range(1, 29):
        day_runs: list[tuple[RunStatus, int | None]] = [
            (rng.choice([S, S, S, F, T, C]), rng.randint(50, 5000)) for _ in range(40)
        ]
        runs += day_runs
        rows.append(_day(f"2026-02-{d:02d}", day_runs))
    exact = stats_from_runs(runs)
    approx = stats_from_days(rows)
    assert approx.to_json() | {"duration": None} == exact.to_json() | {"duration": None}
    assert approx.avg_s == pytest.approx(exact.avg_s)
    assert (approx.min_s, approx.max_s) == (exact.min_s, exact.max_s)
    for got, want in ((approx.p50_s, exact.p50_s), (approx.p95_s, exact.p95_s)):
        assert got is not None and want is not None
        assert abs(got - want) / want < 0.05


def test_stats_from_days_without_durations() -> None:
    stats = stats_from_days([_day("2026-01-01", [(C, None), (E, None)])])
    assert stats.to_json()["duration"] == dict.fromkeys(("avg", "min", "max", "p50", "p95"))
    assert stats.success_rate == 0.0
    assert stats.total == 2


def test_merge_days_adds_tasks_of_the_same_day_and_sorts() -> None:
    a1 = _day("2026-03-02", [(S, 100), (S, 200)])
    b1 = _day("2026-03-02", [(F, 50), (C, None)])
    a0 = _day("2026-03-01", [(S, 400)])
    merged = merge_days([a1, a0, b1])
    assert [m.day for m in merged] == ["2026-03-01", "2026-03-02"]
    day2 = merged[1]
    assert day2.counts == {"success": 2, "failed": 1, "cancelled": 1}
    assert (day2.total_ms, day2.duration_count, day2.min_ms, day2.max_ms) == (350, 3, 50, 200)
    assert sum(day2.hist.values()) == 3
    assert day2.success_rate == pytest.approx(2 / 3)
    assert a1.counts == {"success": 2}  # inputs not modified
    assert merged[0] is not a0


def test_percentile_helper_agrees_with_stats() -> None:
    durations = [120, 80, 400, 95, 101]
    stats = stats_from_runs([(S, ms) for ms in durations])
    expected_ms = percentile(durations, 95)
    assert expected_ms == pytest.approx(344.0)
    assert stats.p95_s == pytest.approx(expected_ms / 1000)
