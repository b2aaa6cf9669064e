"""Writing runs: the column-level operations storage.recorder maps run events to (insert,
update, finish with the daily aggregate and the slow flag, steps), as plain SQL with cached
statement text, on the calling thread's connection, inside the caller's transaction. Only
storage uses them (an import-linter contract): everyone else records events."""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from taskrun_gui.core import durations
from taskrun_gui.core.insights import SLOW_WINDOW, is_slow
from taskrun_gui.core.models import ACTIVE_STATUSES, RunRecord, RunStatus
from taskrun_gui.core.stats import TIMED_STATUSES
from taskrun_gui.core.timefmt import local_day
from taskrun_gui.storage import backend
from taskrun_gui.storage.backend import Cursor
from taskrun_gui.storage.schema import Run, RunStep, database_proxy

OPS = ("insert_run", "update_run", "finish_run", "set_steps")
SLOW_JUDGED = frozenset(str(s) for s in RunStatus if s.is_judged_for_slowness)


def outcome_fields(rec: RunRecord) -> dict[str, Any]:
    """Column values of how a run went: what a finish writes."""
    return {
        "status": str(rec.status),
        "started_at": rec.started_at,
        "finished_at": rec.finished_at,
        "duration_ms": rec.duration_ms,
        "exit_code": rec.exit_code,
        "signal": rec.signal,
        "error_type": None if rec.error_type is None else str(rec.error_type),
        "error_message": rec.error_message,
        "peak_rss": rec.peak_rss,
        "cpu_seconds": rec.cpu_seconds,
        "log_bytes": rec.log_bytes,
        "log_dropped": rec.log_dropped,
        "paused_ms": rec.paused_ms,
    }


def record_fields(rec: RunRecord) -> dict[str, Any]:
    """Column values for inserting a run record."""
    return {
        "task": rec.task_id,
        "task_name": rec.task_name,
        "version": rec.version,
        "trigger": str(rec.trigger),
        "attempt": rec.attempt,
        "first_uid": rec.first_uid,
        "params_json": json.dumps(rec.params, sort_keys=True),
        "priority": rec.priority,
        "queued_at": rec.queued_at,
        "pid": rec.pid,
        "pgid": rec.pgid,
        "proc_create_time": rec.proc_create_time,
        "log_path": rec.log_path,
        "not_before": rec.not_before,
        "host": rec.host,
        "batch": rec.batch,
        "batch_limit": rec.batch_limit,
        "triggered_by": rec.triggered_by,
        "node": rec.node,
        **outcome_fields(rec),
    }


# The writer applies thousands of these a second: plain SQL with cached statement text on the
# thread's connection (the backend's), since building each statement through the ORM (and each call
# through peewee) costs more than executing it.
_RUN_COLUMNS = frozenset(Run._meta.columns) - {"id"}
_DAY_STATUS_COLUMNS = frozenset(str(s) for s in RunStatus if s.is_final)
MAX_CACHED_DAYS = 512


@dataclass
class WriteCache:
    """What finishing a run reads back, kept between finishes by the one writer: a task's
    recent successful durations and its days' duration histograms. Only valid while nobody
    else writes: the writer clears it when the backend's change counter says another connection
    committed, and after any write of its own that is not a run operation."""

    recent: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # (run id, ms)
    hists: dict[tuple[int, str], dict[int, int]] = field(default_factory=dict)

    def clear(self) -> None:
        self.recent.clear()
        self.hists.clear()

    def trim(self) -> None:
        """Keep it small in a host that runs for months (a day's histogram is read again
        once, when the day comes up after a clear)."""
        if len(self.hists) > MAX_CACHED_DAYS or len(self.recent) > MAX_CACHED_DAYS:
            self.clear()


def _execute(sql: str, params: list[Any]) -> Cursor:
    db = database_proxy.obj
    return backend.of(db).execute(db, sql, params)


@contextmanager
def immediate_transaction() -> Iterator[None]:
    """A write transaction as plain statements on this thread's connection, the write lock
    taken first (see Backend.raw_transaction): the writer commits once per batch of runs."""
    db = database_proxy.obj
    with backend.of(db).raw_transaction(db):
        yield


def data_version() -> int | None:
    """Changes when another connection commits to the database (None: cannot tell)."""
    db = database_proxy.obj
    return backend.of(db).change_counter(db)


def _columns(fields: dict[str, Any]) -> list[str]:
    cols = ["task_id" if k == "task" else k for k in fields]
    bad = [c for c in cols if c not in _RUN_COLUMNS]
    if bad:
        raise ValueError(f"unknown run column(s): {bad}")
    return cols


_RUN_DEFAULTS = {
    f.column_name: f.default
    for f in Run._meta.sorted_fields
    if f.default is not None and not callable(f.default)
}


def _insert(uid: str, fields: dict[str, Any]) -> int:
    given = set(_columns(fields))
    fields = {**fields, **{c: v for c, v in _RUN_DEFAULTS.items() if c not in given}}
    cols = _columns(fields)
    sql = f"INSERT INTO run (uid, {', '.join(cols)}) VALUES (?{', ?' * len(cols)})"
    db = database_proxy.obj
    return backend.of(db).insert_id(db, sql, [uid, *fields.values()])


_LIVE_ONLY = " AND status IN ({})".format(", ".join(f"'{s}'" for s in ACTIVE_STATUSES))


def _update(uid: str, fields: dict[str, Any], live_only: bool = False) -> int:
    """`live_only`: leave a final run alone (a replayed `running` must not undo a finish)."""
    if not fields:
        return 0
    sets = ", ".join(f"{c} = ?" for c in _columns(fields))
    where = "uid = ?" + (_LIVE_ONLY if live_only else "")
    return int(_execute(f"UPDATE run SET {sets} WHERE {where}", [*fields.values(), uid]).rowcount)


def apply_op(kind: str, uid: str, fields: dict[str, Any], cache: WriteCache | None = None) -> Any:
    """Apply one run operation; call inside a transaction. `cache`: see WriteCache."""
    if kind == "insert_run":
        return _insert(uid, fields)
    if kind == "update_run":
        return _update(uid, fields, live_only=True)
    if kind == "finish_run":
        return _finish(uid, fields, cache or WriteCache())
    if kind == "set_steps":
        return _set_steps(uid, fields["steps"])
    raise ValueError(f"unknown write operation {kind!r}")


class Finished(NamedTuple):
    """What a finish applied, for the writer to report back once committed: the verdicts
    made at write time (the slow flag) reach the window without it reading the row."""

    run_id: int
    slow: bool


def _finish(uid: str, fields: dict[str, Any], cache: WriteCache) -> Finished | None:
    """Final status and figures, and the task's daily aggregate, in one transaction. A run
    already final is left alone (None), so a replayed or repeated finish never counts twice."""
    row = _execute("SELECT id, task_id, status FROM run WHERE uid = ?", [uid]).fetchone()
    if row is None or RunStatus(row[2]).is_final:
        return None
    task_id = int(row[1])
    fields = dict(fields)
    retry = fields.pop("retry", None)
    duration = fields.get("duration_ms")
    if fields["status"] in SLOW_JUDGED and duration is not None:
        # judged against the successes before it, in the same transaction as the finish
        fields["slow"] = is_slow(duration, [ms for _id, ms in _recent_successes(task_id, cache)])
    _update(uid, fields)
    if retry is not None:  # the next attempt is queued in the same transaction
        retry = dict(retry)
        _insert(retry.pop("uid"), retry)
    status = RunStatus(fields["status"])
    if status is RunStatus.SUCCESS and duration is not None:
        recent = _recent_successes(task_id, cache)
        bisect.insort(recent, (int(row[0]), int(duration)))  # in run order, as read back
        del recent[:-SLOW_WINDOW]
    finished_at = int(fields.get("finished_at") or 0)
    add_to_day(task_id, local_day(finished_at), status, duration, cache)
    return Finished(int(row[0]), bool(fields.get("slow")))


def _recent_successes(task_id: int, cache: WriteCache) -> list[tuple[int, int]]:
    """(run id, duration ms) of the task's last successful runs, in run order; one seek in
    the (task_id, status, id) index when not cached."""
    recent = cache.recent.get(task_id)
    if recent is None:
        rows = _execute(
            "SELECT id, duration_ms FROM run WHERE task_id = ? AND status = ?"
            " AND duration_ms IS NOT NULL ORDER BY id DESC LIMIT ?",
            [task_id, str(RunStatus.SUCCESS), SLOW_WINDOW],
        ).fetchall()
        recent = cache.recent[task_id] = [(int(i), int(ms)) for i, ms in reversed(rows)]
    return recent


def add_to_day(
    task_id: int,
    day: str,
    status: RunStatus,
    duration_ms: int | None,
    cache: WriteCache | None = None,
) -> None:
    """Count a final run into its task's day: one upsert, plus the histogram when timed."""
    col = str(status)
    assert col in _DAY_STATUS_COLUMNS
    timed = status in TIMED_STATUSES and duration_ms is not None
    ms = duration_ms if timed else None
    hist = ""
    if timed:
        cache = cache or WriteCache()
        h = cache.hists.get((task_id, day))
        if h is None:
            old = _execute(
                "SELECT hist FROM task_day WHERE task_id = ? AND day = ?", [task_id, day]
            ).fetchone()
            h = cache.hists[(task_id, day)] = durations.hist_decode(old[0] if old else "")
        durations.hist_add(h, ms or 0)
        hist = durations.hist_encode(h)
    status_cols = sorted(_DAY_STATUS_COLUMNS)
    counts = [1 if c == col else 0 for c in status_cols]
    _execute(
        f"INSERT INTO task_day (task_id, day, {', '.join(status_cols)}, duration_count,"
        " total_ms, min_ms, max_ms, hist)"
        f" VALUES (?, ?, {', '.join('?' * len(status_cols))}, ?, ?, ?, ?, ?)"
        # the row there is named by its table: PostgreSQL finds a bare column ambiguous
        " ON CONFLICT(task_id, day) DO UPDATE SET"
        f" {col} = task_day.{col} + 1,"
        " duration_count = task_day.duration_count + excluded.duration_count,"
        " total_ms = task_day.total_ms + excluded.total_ms,"
        " min_ms = CASE WHEN excluded.min_ms IS NULL THEN task_day.min_ms"
        "   WHEN task_day.min_ms IS NULL OR excluded.min_ms < task_day.min_ms"
        "   THEN excluded.min_ms ELSE task_day.min_ms END,"
        " max_ms = CASE WHEN excluded.max_ms IS NULL THEN task_day.max_ms"
        "   WHEN task_day.max_ms IS NULL OR excluded.max_ms > task_day.max_ms"
        "   THEN excluded.max_ms ELSE task_day.max_ms END,"
        " hist = CASE WHEN excluded.duration_count > 0 THEN excluded.hist"
        "   ELSE task_day.hist END",
        [task_id, day, *counts, 1 if timed else 0, ms or 0, ms, ms, hist],
    )


def _set_steps(uid: str, steps: list[dict[str, Any]]) -> int:
    run_id = Run.select(Run.id).where(Run.uid == uid).scalar()
    if run_id is None:
        return 0
    RunStep.delete().where(RunStep.run == run_id).execute()
    if steps:
        RunStep.insert_many([{**s, "run": run_id} for s in steps]).execute()
    return len(steps)
