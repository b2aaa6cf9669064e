"""One task's all-time statistics (storage/task_stats.py, in SQL over indexes) against
stats_from_runs over the task's run rows read straight, on both backends: counts, min, max
and the percentiles equal to the bit, the average to the last bit or so."""

from __future__ import annotations

from typing import Any

import pytest

from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.core.stats import RunStats, stats_from_runs
from taskrun_gui.storage import retention, run_writes, stats_repo, tasks_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.stats_repo import Scope
from tests.unit.test_trends_repo import History, day_ms


@pytest.fixture
def hist(store: Store) -> History:
    return History(store)


def straight(store: Store, task_id: int) -> RunStats:
    """stats_from_runs over every final run of the task with a finish time, read row by row."""
    rows = store.db.execute_sql(
        f"SELECT status, duration_ms, finished_at FROM run WHERE task_id = {int(task_id)}"
    ).fetchall()
    final = {str(s) for s in RunStatus if s.is_final}
    pairs = [(str(s), d) for s, d, f in rows if str(s) in final and f is not None and f >= 0]
    return stats_from_runs(pairs)


def same(got: RunStats, want: RunStats) -> None:
    if want.avg_s is None:
        assert got.avg_s is None
    else:
        assert got.avg_s == pytest.approx(want.avg_s, rel=1e-12)
    got_rest: dict[str, Any] = {**got.__dict__, "avg_s": None}
    assert got_rest == {**want.__dict__, "avg_s": None}


def queue(hist: History, task_id: int, status: RunStatus) -> None:
    """A run that has not finished (queued or running): no finish time, no duration."""
    task = tasks_repo.get(task_id)
    rec = RunRecord(
        uid=f"live-{status}-{task_id}",
        task_id=task_id,
        task_name=task.name,
        version=task.version,
        status=status,
        queued_at=day_ms(0),
    )
    with hist.store.db.atomic():
        run_writes.apply_op("insert_run", rec.uid, run_writes.record_fields(rec))


def test_figures_equal_those_of_the_rows(hist: History, store: Store) -> None:
    t, other = hist.task("busy"), hist.task("other")
    # ties around both percentiles, every final status, runs without a duration
    durations = [5000, 1000, 3000, 3000, 3000, 7000, 2000, 9000, 3000, 4000, 4000, 123]
    for i, ms in enumerate(durations * 3):
        status = ("success", "failed", "timeout", "success")[i % 4]
        hist.run(t, status, ms + i % 5, day_ms(i % 40, 9, i % 60))
    for status in ("cancelled", "error", "interrupted"):
        hist.run(t, status, 777, day_ms(2))  # a duration, not timed: counted, not timed
    hist.run(t, "error", None, day_ms(3))
    hist.run(t, "success", None, day_ms(3))  # timed status without a duration
    hist.run(other, "success", 1, day_ms(1))  # another task's runs are not counted
    hist.run(other, "failed", 99_999_999, day_ms(1))
    queue(hist, t, RunStatus.QUEUED)
    queue(hist, t, RunStatus.RUNNING)
    got = stats_repo.run_stats(Scope(t, None))
    assert got.total == len(durations) * 3 + 5 and got.p50_s is not None
    same(got, straight(store, t))
    same(stats_repo.run_stats(Scope(other, None)), straight(store, other))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 20, 21])
def test_small_histories(hist: History, store: Store, n: int) -> None:
    t = hist.task("small")
    for i in range(n):
        hist.run(t, "success" if i % 3 else "failed", 1000 * (i * 7 % 11) + 1, day_ms(i % 3))
    got = stats_repo.run_stats(Scope(t, None))
    assert got.total == n
    same(got, straight(store, t))
    if n == 0:
        assert got == RunStats()


def test_only_untimed_runs(hist: History, store: Store) -> None:
    t = hist.task("untimed")
    hist.run(t, "cancelled", None, day_ms(1))
    hist.run(t, "error", None, day_ms(1))
    got = stats_repo.run_stats(Scope(t, None))
    assert (got.total, got.p50_s, got.avg_s, got.success_rate) == (2, None, None, 0.0)
    same(got, straight(store, t))


def test_runs_deleted_by_retention_are_not_counted(hist: History, store: Store) -> None:
    t = hist.task("kept")
    for i in range(30):
        hist.run(t, "success" if i % 5 else "failed", 100 + 13 * i, day_ms(29 - i))
    retention.cleanup(store, keep_per_task=11)
    got = stats_repo.run_stats(Scope(t, None))
    assert got.total == 11  # the daily aggregates still count 30
    same(got, straight(store, t))


def test_a_timed_run_without_finish_time_is_left_out(hist: History, store: Store) -> None:
    t = hist.task("odd")
    ids = [hist.run(t, "success", 1000 * i, day_ms(1)) for i in range(1, 6)]
    store.db.execute_sql(f"UPDATE run SET finished_at = NULL WHERE id = {ids[-1]}")
    got = stats_repo.run_stats(Scope(t, None))
    assert (got.total, got.max_s) == (4, 4.0)
    same(got, straight(store, t))


def test_a_final_run_without_finish_time_is_not_counted(hist: History, store: Store) -> None:
    t = hist.task("cancelled early")
    for i in range(1, 6):
        hist.run(t, "success", 1000 * i, day_ms(1))
    gone = hist.run(t, "cancelled", None, day_ms(1))
    store.db.execute_sql(f"UPDATE run SET finished_at = NULL WHERE id = {gone}")
    got = stats_repo.run_stats(Scope(t, None))
    assert (got.total, got.cancelled, got.p50_s) == (5, 0, 3.0)
    same(got, straight(store, t))


def test_success_by_day_is_the_rate_of_the_summed_daily_counts(hist: History) -> None:
    """trends_repo.success_by_day (divided in SQL) against core.stats.success_rate of the
    day's aggregates added up in Python: every day, the same float."""
    from taskrun_gui.core.stats import success_rate
    from taskrun_gui.storage import trends_repo

    a, b, idle = hist.task("a"), hist.task("b"), hist.task("idle")
    for i in range(40):
        status = ("success", "failed", "success", "timeout", "error", "interrupted")[i % 6]
        hist.run(a if i % 3 else b, status, 100 + i, day_ms(i % 7, 10, i))
    hist.run(a, "cancelled", None, day_ms(9))  # a day of cancelled runs only: no rate
    for scope in (Scope(a, None), Scope(b, 5), Scope(None, None), Scope(None, 3), Scope(idle)):
        want = [
            (d.day, sum(d.counts.values()), success_rate(d.counts))
            for d in stats_repo.day_rows(scope)
        ]
        got = [(r.day, r.runs, r.success_rate) for r in trends_repo.success_by_day(scope)]
        assert got == want, scope
    assert trends_repo.success_by_day(Scope(a, None))[0].success_rate is None
    assert trends_repo.success_by_day(Scope(idle)) == []


def test_runs_deleted_between_the_statements_fall_back_to_the_rows(
    hist: History, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retention commits between the count and a percentile's OFFSET (fewer ranks than
    counted): the figures come from the rows instead, whole, not an error."""
    from taskrun_gui.storage import task_stats

    t = hist.task("busy")
    for i in range(30):
        hist.run(t, "success", 1000 + i, day_ms(i % 10, 9, i))
    read = task_stats.backend.read

    def thinned(sql: str, params: Any = ()) -> Any:
        if "ORDER BY duration_ms" in sql:  # as if most timed runs were deleted by now
            return read(sql.replace("task_id = ?", "task_id = ? AND 0 = 1", 1), params)
        return read(sql, params)

    monkeypatch.setattr(task_stats.backend, "read", thinned)
    assert task_stats.all_time(t) is None
    same(stats_repo.run_stats(Scope(t, None)), straight(store, t))
