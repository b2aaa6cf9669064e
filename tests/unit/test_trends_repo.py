"""The Trends queries against known histories written the way production writes them
(insert_run, then finish_run, which also fills the daily aggregates)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time

import pytest

from taskrun_gui.core.models import RunRecord, RunStatus, TaskKind, TaskSpec
from taskrun_gui.core.stats import stats_from_days
from taskrun_gui.storage import run_writes, stats_repo, tasks_repo, trends_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.schema import TaskVersion
from taskrun_gui.storage.stats_repo import Scope


def day_ms(days_ago: int, hour: int = 12, minute: int = 0) -> int:
    """Epoch ms of a local time `days_ago` days before today."""
    day = dt.date.today() - dt.timedelta(days=days_ago)
    return int(time.mktime((*day.timetuple()[:3], hour, minute, 0, 0, 0, -1)) * 1000)


class History:
    """Tasks, versions and finished runs, written through the production write operations."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._n = 0

    def task(self, name: str, script: str = "echo one") -> int:
        spec = TaskSpec(name=name, kind=TaskKind.SCRIPT, script=script)
        with self.store.db.atomic():
            return tasks_repo.create(spec).id

    def new_version(self, task_id: int, script: str, at_ms: int) -> int:
        with self.store.db.atomic():
            row = tasks_repo.save(
                task_id,
                TaskSpec(name=tasks_repo.get(task_id).name, kind=TaskKind.SCRIPT, script=script),
            )
            TaskVersion.update(created_at=at_ms).where(
                (TaskVersion.task == task_id) & (TaskVersion.number == row.version)
            ).execute()
        return row.version

    def run(self, task_id: int, status: str, duration_ms: int | None, finished_at: int) -> int:
        self._n += 1
        uid = f"run-{self._n}"
        task = tasks_repo.get(task_id)
        started = finished_at - (duration_ms or 0)
        rec = RunRecord(
            uid=uid,
            task_id=task_id,
            task_name=task.name,
            version=task.version,
            status=RunStatus.RUNNING,
            queued_at=started,
            started_at=started,
        )
        with self.store.db.atomic():
            run_writes.apply_op("insert_run", uid, run_writes.record_fields(rec))
            return int(
                run_writes.apply_op(
                    "finish_run",
                    uid,
                    {
                        "status": status,
                        "finished_at": finished_at,
                        "duration_ms": duration_ms,
                        "exit_code": 0 if status == "success" else 1,
                    },
                ).run_id
            )


@pytest.fixture
def hist(store: Store) -> History:
    return History(store)


def test_success_by_day_gives_exact_daily_rates_and_counts(hist: History) -> None:
    a, b = hist.task("alpha"), hist.task("beta")
    for status in ("success", "success", "success", "failed", "cancelled"):
        hist.run(a, status, 1000, day_ms(2))
    hist.run(a, "timeout", 5000, day_ms(1))
    hist.run(a, "timeout", 5000, day_ms(1, 13))
    hist.run(b, "success", 1000, day_ms(1))
    hist.run(a, "error", None, day_ms(0, 0, 5))
    hist.run(a, "success", 900, day_ms(0, 0, 10))
    hist.run(b, "success", 900, day_ms(40))

    rows = trends_repo.success_by_day(Scope(a, 7))
    assert [(r.day, r.runs, r.success_rate) for r in rows] == [
        (_day(2), 5, 0.75),  # the cancelled run counts as a run, not in the rate
        (_day(1), 2, 0.0),
        (_day(0), 2, 0.5),
    ]
    everyone = trends_repo.success_by_day(Scope(None, 7))
    assert [(r.runs, r.success_rate) for r in everyone] == [(5, 0.75), (3, 1 / 3), (2, 0.5)]
    assert len(trends_repo.success_by_day(Scope(None, None))) == 4


def _day(days_ago: int) -> str:
    return (dt.date.today() - dt.timedelta(days=days_ago)).isoformat()


def test_durations_and_stats_match_taskrun_stats(hist: History) -> None:
    t = hist.task("steady")
    ids = [hist.run(t, "success", s * 1000, day_ms(5, 0, 0) + s * 60_000) for s in range(1, 101)]
    hist.run(t, "cancelled", 2000, day_ms(4))
    hist.run(t, "error", None, day_ms(4, 13))
    series = trends_repo.durations(Scope(t, 30))
    assert series.run_ids == ids and not series.sampled and series.total == 100
    assert series.duration_ms == [s * 1000 for s in range(1, 101)]

    stats = stats_repo.run_stats(Scope(t, 30))
    assert stats == stats_repo.run_stats(Scope(t, 30))
    assert (stats.total, stats.success, stats.cancelled, stats.error) == (102, 100, 1, 1)
    assert stats.p50_s == pytest.approx(50.5) and stats.p95_s == pytest.approx(95.05)
    assert (stats.min_s, stats.max_s, stats.avg_s) == (1.0, 100.0, 50.5)


def test_stats_beyond_the_exact_limit_are_those_of_the_daily_aggregates(
    hist: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = hist.task("busy")
    for i in range(60):
        hist.run(t, "success" if i % 4 else "failed", 1000 + 37 * i, day_ms(i % 6, 8, i))
    monkeypatch.setattr(stats_repo, "EXACT_LIMIT", 10)
    for scope in (Scope(t, 3), Scope(None, None)):
        assert stats_repo.run_stats(scope) == stats_from_days(stats_repo.day_rows(scope))


def test_long_histories_are_sampled_evenly_over_time(hist: History) -> None:
    t = hist.task("many")
    for i in range(60):
        hist.run(t, "success", 1000 + i, day_ms(3, 0, 0) + i * 60_000)
    series = trends_repo.durations(Scope(t, 7), max_points=50, slots=10)
    assert series.sampled and series.total == 60
    assert 9 <= len(series) <= 10  # one run per six-minute slot
    gaps = [b - a for a, b in zip(series.finished_at, series.finished_at[1:], strict=False)]
    assert all(5 * 60_000 <= g <= 7 * 60_000 for g in gaps)


def test_slow_runs_and_duration_shift_with_versions(hist: History) -> None:
    t = hist.task("etl", "echo one")
    for i in range(20):
        hist.run(t, "success", 10_000 + 10 * i, day_ms(10, 1, i))
        if i == 12:
            slow = hist.run(t, "success", 40_000, day_ms(10, 1, i) + 20_000)
            quick_fail = hist.run(t, "failed", 11_000, day_ms(10, 1, i) + 40_000)
    hist.new_version(t, "echo two", day_ms(9, 0))
    shift_at = hist.run(t, "success", 25_000, day_ms(9, 1))
    for i in range(19):
        hist.run(t, "success", 25_000 + 10 * i, day_ms(9, 2, i))

    series = trends_repo.durations(Scope(t, 30))
    flagged = trends_repo.slow_runs(series)
    assert slow in flagged and quick_fail not in flagged
    (shift,) = trends_repo.shift_marks(series)
    assert shift.run_id == shift_at
    assert (shift.version_before, shift.version_after) == (1, 2)
    assert shift.before_ms == pytest.approx(10_100) and shift.after_ms == pytest.approx(25_085)


def test_version_marks_in_range(hist: History) -> None:
    t = hist.task("deploy")
    hist.new_version(t, "echo two", day_ms(20))
    hist.new_version(t, "echo three", day_ms(2))
    marks = trends_repo.version_marks(Scope(t, 7))
    assert [(m.number, m.created_at, m.task_name) for m in marks] == [(3, day_ms(2), "deploy")]
    assert [m.number for m in trends_repo.version_marks(Scope(None, None))] == [2, 3]


def test_what_changed_before_it_broke(hist: History) -> None:
    t = hist.task("backup", "echo one\n")
    hist.run(t, "failed", 100, day_ms(5))
    good = hist.run(t, "success", 100, day_ms(4))
    hist.new_version(t, "echo two\n", day_ms(3))
    hist.run(t, "timeout", 100, day_ms(3, 13))
    broke = hist.run(t, "failed", 100, day_ms(2))
    found = trends_repo.last_failure_and_prior_success(t)
    assert found is not None
    failed, success = found
    assert (failed.id, failed.version) == (broke, 2)
    assert success is not None and (success.id, success.version) == (good, 1)
    changed = trends_repo.what_changed(t)
    assert changed is not None and not changed.same_version
    assert "-echo one" in changed.diff and "+echo two" in changed.diff

    hist.run(t, "success", 100, day_ms(1))
    hist.run(t, "failed", 100, day_ms(0, 0, 1))
    same = trends_repo.what_changed(t)
    assert same is not None and same.same_version and same.diff == ""
    assert trends_repo.what_changed(hist.task("fine")) is None


def test_heatmap_matrix(hist: History) -> None:
    b, a = hist.task("b-task"), hist.task("a-task")
    hist.run(a, "success", 10, day_ms(2))
    hist.run(a, "failed", 10, day_ms(2, 14))
    hist.run(b, "success", 10, day_ms(0, 0, 1))
    hist.run(b, "cancelled", 10, day_ms(1))
    heat = trends_repo.heatmap(3)
    assert heat.task_names == ["a-task", "b-task"] and heat.task_ids == [a, b]
    assert heat.days == [_day(2), _day(1), _day(0)]
    assert heat.rates == [[0.5, None, None], [None, None, 1.0]]
    assert heat.counts == [[2, 0, 0], [0, 1, 1]]


_ALIAS = re.compile(r'"?(\w+)"? AS "?(\w+)"?')


@pytest.mark.sqlite_only  # SQLite's planner, as the benchmarks' million runs need it
def test_every_query_reads_indexes_not_the_run_table(
    hist: History, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    t = hist.task("indexed")
    for i in range(30):
        hist.run(t, "success" if i % 3 else "failed", 1000 + i, day_ms(i % 9, 9, i))
    hist.new_version(t, "echo two", day_ms(3))
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        for scope in (Scope(t, 7), Scope(None, 30), Scope(t, None), Scope(None, None)):
            trends_repo.success_by_day(scope)
            trends_repo.durations(scope)
            trends_repo.durations(scope, max_points=5, slots=4)
            stats_repo.run_stats(scope)
            trends_repo.version_marks(scope)
            trends_repo.heatmap(scope.days)
        series = trends_repo.durations(Scope(t, None))
        trends_repo.shift_marks(series)
        trends_repo.what_changed(t)
        trends_repo.flakiness(t)
    queries = [r.msg for r in caplog.records if isinstance(r.msg, tuple)]
    assert len(queries) > 30
    for sql, params in queries:
        aliases = {alias: table for table, alias in _ALIAS.findall(sql)}
        for row in store.db.execute_sql("EXPLAIN QUERY PLAN " + sql, params):
            detail = str(row[-1])
            m = re.match(r"SCAN (\w+)", detail)
            if m and "INDEX" not in detail:
                assert aliases.get(m.group(1), m.group(1)) != "run", (sql, detail)
