"""Slow runs, duration shifts, flakiness and alerts over known histories."""

from __future__ import annotations

import random

from taskrun_gui.core.insights import (
    AlertKind,
    AlertTracker,
    duration_shifts,
    flag_slow_runs,
    flip_rate,
    is_flaky,
    is_slow,
)


def test_is_slow_needs_enough_history() -> None:
    assert not is_slow(10_000, [100] * 9)
    assert is_slow(10_000, [100] * 10)


def test_is_slow_compares_with_p95_of_the_last_30() -> None:
    history = [1000] * 50 + [100] * 30  # the old slow runs fall out of the window
    assert is_slow(151, history)
    assert not is_slow(150, history)  # not more than 1.5 x 100
    assert is_slow(151, [1000] * 50 + [100] * 29)  # one old 1000 in 30 leaves p95 at 100
    assert not is_slow(151, [1000] * 50 + [100] * 28)  # two lift p95 to 595


def test_is_slow_factor_and_min_runs_are_parameters() -> None:
    assert is_slow(201, [100] * 5, factor=2.0, min_runs=5)
    assert not is_slow(200, [100] * 5, factor=2.0, min_runs=5)


def test_flag_slow_runs_judges_each_run_against_earlier_successes() -> None:
    runs: list[tuple[str, str, int | None]] = [(f"r{i}", "success", 100) for i in range(10)]
    runs += [
        ("slow-ok", "success", 200),
        ("slow-failed", "failed", 500),
        ("timeout", "timeout", 9000),  # its status already says it
        ("no-duration", "error", None),
        ("normal", "success", 120),
    ]
    assert flag_slow_runs(runs) == {"slow-ok", "slow-failed"}


def test_flag_slow_runs_ignores_failures_when_building_the_baseline() -> None:
    runs = [(i, "failed", 10) for i in range(20)] + [(99, "success", 10_000)]
    assert flag_slow_runs(runs) == set()


def test_step_change_is_found_at_its_first_run() -> None:
    assert duration_shifts([100.0] * 30 + [200.0] * 30) == [30]
    assert duration_shifts([200.0] * 30 + [100.0] * 30) == [30]


def test_noise_without_a_shift_gives_nothing() -> None:
    rng = random.Random(42)
    noisy = [100 * rng.uniform(0.8, 1.25) for _ in range(120)]
    assert duration_shifts(noisy) == []


def test_noisy_step_and_return_are_both_found() -> None:
    rng = random.Random(5)
    values = [100 * rng.uniform(0.85, 1.15) for _ in range(40)]
    values += [300 * rng.uniform(0.85, 1.15) for _ in range(40)]
    values += [100 * rng.uniform(0.85, 1.15) for _ in range(40)]
    assert duration_shifts(values) == [40, 80]


def test_short_blips_and_small_changes_are_not_shifts() -> None:
    assert duration_shifts([100.0] * 30 + [500.0] * 5 + [100.0] * 30) == []
    assert duration_shifts([100.0] * 30 + [125.0] * 30) == []  # below ratio 1.3
    assert duration_shifts([100.0] * 30 + [125.0] * 30, ratio=1.2) == [30]
    assert duration_shifts([100.0] * 15) == []
    assert duration_shifts([]) == []
    assert duration_shifts([3.0] * 30 + [9.0] * 30) == []  # x3, but 6 ms: a run of `true`
    assert duration_shifts([30.0] * 30 + [90.0] * 30) == [30]  # 60 ms


def test_shift_needs_min_segment_runs_after_it() -> None:
    assert duration_shifts([100.0] * 30 + [200.0] * 9) == []
    assert duration_shifts([100.0] * 30 + [200.0] * 10) == [30]


def test_flip_rate_over_finished_runs() -> None:
    assert flip_rate(["success", "failed"] * 5) == 1.0
    assert flip_rate(["success"] * 10) == 0.0
    # cancelled and running are skipped: S S F F -> one flip in three pairs
    assert flip_rate(["success", "cancelled", "success", "failed", "running", "timeout"]) == 1 / 3
    assert flip_rate(["success"]) == 0.0


def test_flip_rate_looks_at_the_last_20_finished_runs() -> None:
    statuses = ["success", "failed"] * 20 + ["success"] * 20
    assert flip_rate(statuses) == 0.0
    assert flip_rate(statuses[:-1]) == 1 / 19


def test_is_flaky() -> None:
    assert is_flaky(["success", "failed"] * 4)
    assert not is_flaky(["success", "failed"] * 3 + ["success"])  # only 7 finished runs
    assert not is_flaky(["success"] * 9 + ["failed"] * 9)  # failing for good, not flaky
    assert is_flaky(["success"] * 3 + ["failed", "success"] * 3 + ["error"])  # 7/9 flips


def test_low_success_rate_alert_fires_once_per_change() -> None:
    tracker = AlertTracker()
    assert tracker.observe(1, 0.95, 0.8) is None  # starts ok
    low = tracker.observe(1, 0.5, 0.8)
    assert low is not None and low.kind == AlertKind.LOW_SUCCESS_RATE
    assert (low.task_id, low.value, low.threshold) == (1, 0.5, 0.8)
    assert tracker.observe(1, 0.4, 0.8) is None  # staying low
    assert tracker.observe(1, None, 0.8) is None  # no data changes nothing
    assert tracker.is_low(1)
    back = tracker.observe(1, 0.8, 0.8)
    assert back is not None and back.kind == AlertKind.RECOVERED
    assert tracker.observe(1, 0.9, 0.8) is None
    again = tracker.observe(1, 0.1, 0.8)
    assert again is not None and again.kind == AlertKind.LOW_SUCCESS_RATE


def test_alert_state_is_per_task() -> None:
    tracker = AlertTracker()
    assert tracker.observe(1, 0.1, 0.5) is not None
    assert tracker.observe(2, 0.1, 0.5) is not None
    tracker.forget(1)
    assert not tracker.is_low(1) and tracker.is_low(2)
    assert tracker.observe(1, 0.1, 0.5) is not None


def test_slow_run_alert_fires_once_per_run() -> None:
    tracker = AlertTracker()
    first = tracker.slow_run(7, "run-a", 5000)
    assert first is not None and first.kind == AlertKind.SLOW_RUN
    assert (first.task_id, first.run_id, first.value) == (7, "run-a", 5000.0)
    assert tracker.slow_run(7, "run-a", 5000) is None
    assert tracker.slow_run(7, "run-b", 6000) is not None


def test_slow_run_memory_is_bounded() -> None:
    tracker = AlertTracker(remembered_runs=2)
    for run in ("a", "b", "c"):
        assert tracker.slow_run(1, run, 1) is not None
    assert tracker.slow_run(1, "c", 1) is None
    assert tracker.slow_run(1, "a", 1) is not None  # forgotten, the oldest


def test_an_outlier_at_the_end_does_not_hide_a_shift() -> None:
    values = [100.0] * 30 + [200.0] * 30 + [100_000.0]
    assert duration_shifts(values) == [30]


def test_zero_durations_do_not_break_the_maths() -> None:
    assert duration_shifts([0.0] * 20 + [50.0] * 20) == [20]
