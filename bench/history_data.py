"""A generated history of 1,000,000 runs over 50 tasks and 2 years, cached in bench/.work, and
a 10,000-run one of the same shape (the baseline the scale ratios are taken against).

Rows go in with raw executemany in one transaction; the `task_day` aggregates are filled with
one INSERT … SELECT … GROUP BY for the counts and sums, and the duration histograms are
computed with taskrun_gui.core.durations (the same buckets the writer uses)."""

from __future__ import annotations

import itertools
import random
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from taskrun_gui.core import durations
from taskrun_gui.core.timefmt import local_day

if TYPE_CHECKING:
    from taskrun_gui.storage.db import Store
    from taskrun_gui.storage.tasks_repo import TaskRow

RUNS = 1_000_000
SMALL = 10_000
TASKS = 50
DAYS = 730
_WORK = Path(__file__).resolve().parent / ".work"
_STATUSES = ("success",) * 90 + ("failed",) * 6 + ("timeout", "cancelled", "error", "interrupted")
_TIMED = ("success", "failed", "timeout")


def data_dir(runs: int = RUNS) -> Path:
    """The cached data dir with a generated history of `runs` runs (made on first use, ~30 s
    for 1M)."""
    cache = _WORK / ("history-1m" if runs == RUNS else f"history-{runs}")
    done = cache / ".complete"
    if not done.exists():
        shutil.rmtree(cache, ignore_errors=True)
        start = time.perf_counter()
        _generate(cache, runs)
        done.write_text("ok\n")
        print(f"history: generated {runs:,} runs in {time.perf_counter() - start:.1f} s")
    return cache


def _generate(folder: Path, runs: int) -> None:
    from taskrun_gui.storage.db import Store

    store = Store(folder).open()
    db = store.db
    hists: dict[tuple[int, str], dict[int, int]] = {}
    sql = (
        f"INSERT INTO run ({', '.join(RUN_COLUMNS)}) VALUES (?, ?, ?, ?, 1, ?, 'schedule', 1,"
        " '{}', 0, ?, ?, ?, ?, ?, ?, ?, 0)"
    )
    chunk = 100_000
    rows = run_rows(make_tasks(store), runs, hists)
    for _lo in range(0, runs, chunk):
        with db.atomic():
            db.cursor().executemany(sql, itertools.islice(rows, chunk))
    with db.atomic():
        db.execute_sql(task_day_sql(store))
        db.cursor().executemany(
            "UPDATE task_day SET hist = ? WHERE task_id = ? AND day = ?",
            [(durations.hist_encode(h), task, day) for (task, day), h in hists.items()],
        )
    store.close()


# the columns run_rows fills, in its order (version, trigger, attempt, params, priority and
# slow are constants, written by the INSERT or COPY itself)
RUN_COLUMNS = (
    "id",
    "uid",
    "task_id",
    "task_name",
    "version",
    "status",
    "trigger",
    "attempt",
    "params_json",
    "priority",
    "queued_at",
    "started_at",
    "finished_at",
    "duration_ms",
    "exit_code",
    "log_path",
    "log_bytes",
    "slow",
)


def full_row(row: tuple[object, ...]) -> tuple[object, ...]:
    """A run_rows row with the constant columns in their places (RUN_COLUMNS)."""
    return (*row[:4], 1, row[4], "schedule", 1, "{}", 0, *row[5:], 0)


def make_tasks(store: Store) -> list[TaskRow]:
    from taskrun_gui.core.models import TaskSpec
    from taskrun_gui.storage import tasks_repo

    with store.db.atomic():
        return [
            tasks_repo.create(TaskSpec(name=f"task-{i:02d}", command=f"echo {i}"))
            for i in range(TASKS)
        ]


def run_rows(
    tasks: list[TaskRow], runs: int, hists: dict[tuple[int, str], dict[int, int]]
) -> Iterator[tuple[object, ...]]:
    """The runs of the history, oldest first (seeded: the same history every time); the
    duration histograms of its days are added to `hists` as the rows are made."""
    rng = random.Random(42)
    now = int(time.time() * 1000)
    t0 = now - DAYS * 86_400_000
    step = (now - t0 - 3_600_000) / runs
    scale = [rng.uniform(200, 60_000) for _ in tasks]  # each task's typical duration (ms)
    for i in range(runs):
        t = rng.randrange(TASKS)
        task = tasks[t]
        status = rng.choice(_STATUSES)
        queued = t0 + int(i * step)
        started = queued + rng.randrange(5, 500)
        took = max(1, int(rng.lognormvariate(0, 0.4) * scale[t]))
        finished = started + took
        if status in _TIMED:
            key = (task.id, local_day(finished))
            h = hists.get(key)
            if h is None:
                h = hists[key] = {}
            durations.hist_add(h, took)
        code = 0 if status == "success" else 1
        uid = f"{i:012d}"
        log = f"logs/{uid}.log"
        yield (
            i + 1,
            uid,
            task.id,
            task.name,
            status,
            queued,
            started,
            finished,
            took,
            code,
            log,
            rng.randrange(100, 50_000),
        )


def task_day_sql(store: Store) -> str:
    """The daily aggregates of the runs table but their histograms, on the store's backend."""
    timed = ", ".join(f"'{s}'" for s in _TIMED)
    is_timed = f"status IN ({timed}) AND duration_ms IS NOT NULL"
    counts = ", ".join(
        f"SUM(CASE WHEN status = '{s}' THEN 1 ELSE 0 END)"
        for s in ("success", "failed", "timeout", "cancelled", "error", "interrupted")
    )
    day = store.backend.local_day("finished_at")
    return (
        "INSERT INTO task_day (task_id, day, success, failed, timeout, cancelled, error,"
        " interrupted, duration_count, total_ms, min_ms, max_ms, hist)"
        f" SELECT task_id, {day} AS d, {counts},"
        f" SUM(CASE WHEN {is_timed} THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN {is_timed} THEN duration_ms ELSE 0 END),"
        f" MIN(CASE WHEN {is_timed} THEN duration_ms END),"
        f" MAX(CASE WHEN {is_timed} THEN duration_ms END), ''"
        f" FROM run GROUP BY task_id, {day}"
    )
