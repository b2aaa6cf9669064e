"""The generated history of bench/history_data.py loaded into PostgreSQL: the same runs
(same seed), sent with COPY in chunks (a multi-row INSERT per run would take minutes), then
the daily aggregates as on SQLite, the id sequence moved past the ids given, and VACUUM
ANALYZE (what autovacuum does to a table that stopped growing: statistics for the planner, the
visibility map for index-only scans). Loaded anew on each bench run (about 30 s for 1M runs):
the server lives in a temporary folder for as long as the bench does."""

from __future__ import annotations

import io
import itertools
import time
from typing import TYPE_CHECKING

from psycopg2.extras import execute_values

from bench.history_data import RUN_COLUMNS, full_row, make_tasks, run_rows, task_day_sql
from taskrun_gui.core import durations

if TYPE_CHECKING:
    from taskrun_gui.storage.db import Store

CHUNK = 100_000


def load(store: Store, runs: int) -> None:
    start = time.perf_counter()
    db = store.db
    hists: dict[tuple[int, str], dict[int, int]] = {}
    rows = run_rows(make_tasks(store), runs, hists)
    copy = f"COPY run ({', '.join(RUN_COLUMNS)}) FROM STDIN"
    for _lo in range(0, runs, CHUNK):
        text = "".join(
            "\t".join(map(str, full_row(r))) + "\n" for r in itertools.islice(rows, CHUNK)
        )
        with db.atomic():
            db.cursor().copy_expert(copy, io.StringIO(text))
    with db.atomic():
        db.execute_sql(task_day_sql(store))
        execute_values(
            db.cursor(),
            "UPDATE task_day SET hist = v.hist FROM (VALUES %s) AS v (hist, task_id, day)"
            " WHERE task_day.task_id = v.task_id AND task_day.day = v.day",
            [(durations.hist_encode(h), task, day) for (task, day), h in hists.items()],
            page_size=1000,
        )
        db.execute_sql("SELECT setval(pg_get_serial_sequence('run', 'id'), max(id)) FROM run")
    db.execute_sql("VACUUM ANALYZE")  # as autovacuum leaves a table: visibility map set
    print(f"history: loaded {runs:,} runs into PostgreSQL in {time.perf_counter() - start:.1f} s")
