"""Run rows: the write operations the serialized writer applies, and keyset-paged reads."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from peewee import SQL, Expression, fn

from taskrun_gui.core import durations
from taskrun_gui.core.insights import is_slow
from taskrun_gui.core.models import (
    Control,
    ErrorType,
    RunRecord,
    RunStatus,
    StepRecord,
    Trigger,
)
from taskrun_gui.core.timefmt import local_day
from taskrun_gui.storage.schema import Run, RunStep, Task, database_proxy

OPS = ("insert_run", "update_run", "finish_run", "set_steps")
DURATION_STATUSES = {RunStatus.SUCCESS, RunStatus.FAILED, RunStatus.TIMEOUT}
SLOW_JUDGED = {str(RunStatus.SUCCESS), str(RunStatus.FAILED)}


# -- writes (called by StoreWriter inside a transaction) ---------------------------------------
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
        **outcome_fields(rec),
    }


# The writer applies thousands of these a second: plain SQL with cached statement text, since
# building each statement through the ORM costs more than executing it.
_RUN_COLUMNS = frozenset(Run._meta.columns) - {"id"}
_DAY_STATUS_COLUMNS = frozenset(str(s) for s in RunStatus if s.is_final)


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
    cursor = database_proxy.execute_sql(sql, [uid, *fields.values()])
    return int(cursor.lastrowid)


def _update(uid: str, fields: dict[str, Any]) -> int:
    if not fields:
        return 0
    sets = ", ".join(f"{c} = ?" for c in _columns(fields))
    cursor = database_proxy.execute_sql(
        f"UPDATE run SET {sets} WHERE uid = ?", [*fields.values(), uid]
    )
    return int(cursor.rowcount)


def apply_op(kind: str, uid: str, fields: dict[str, Any]) -> Any:
    if kind == "insert_run":
        return _insert(uid, fields)
    if kind == "update_run":
        return _update(uid, fields)
    if kind == "finish_run":
        return _finish(uid, fields)
    if kind == "set_steps":
        return _set_steps(uid, fields["steps"])
    raise ValueError(f"unknown write operation {kind!r}")


def _finish(uid: str, fields: dict[str, Any]) -> int:
    """Final status and figures, and the task's daily aggregate, in one transaction. A run
    already final is left alone, so a replayed or repeated finish never counts twice."""
    row = database_proxy.execute_sql(
        "SELECT id, task_id, status FROM run WHERE uid = ?", [uid]
    ).fetchone()
    if row is None or RunStatus(row[2]).is_final:
        return 0
    fields = dict(fields)
    retry = fields.pop("retry", None)
    duration = fields.get("duration_ms")
    if fields["status"] in SLOW_JUDGED and duration is not None:
        # judged against the successes before it, in the same transaction as the finish
        fields["slow"] = is_slow(duration, recent_success_durations(int(row[1])))
    _update(uid, fields)
    if retry is not None:  # the next attempt is queued in the same transaction
        retry = dict(retry)
        _insert(retry.pop("uid"), retry)
    status = RunStatus(fields["status"])
    finished_at = int(fields.get("finished_at") or 0)
    add_to_day(int(row[1]), local_day(finished_at), status, fields.get("duration_ms"))
    return int(row[0])


def add_to_day(task_id: int, day: str, status: RunStatus, duration_ms: int | None) -> None:
    """Count a final run into its task's day: one upsert, plus the histogram when timed."""
    col = str(status)
    assert col in _DAY_STATUS_COLUMNS
    timed = status in DURATION_STATUSES and duration_ms is not None
    ms = duration_ms if timed else None
    hist = ""
    if timed:
        old = database_proxy.execute_sql(
            "SELECT hist FROM task_day WHERE task_id = ? AND day = ?", [task_id, day]
        ).fetchone()
        h = durations.hist_decode(old[0] if old else "")
        durations.hist_add(h, ms or 0)
        hist = durations.hist_encode(h)
    status_cols = sorted(_DAY_STATUS_COLUMNS)
    counts = [1 if c == col else 0 for c in status_cols]
    database_proxy.execute_sql(
        f"INSERT INTO task_day (task_id, day, {', '.join(status_cols)}, duration_count,"
        " total_ms, min_ms, max_ms, hist)"
        f" VALUES (?, ?, {', '.join('?' * len(status_cols))}, ?, ?, ?, ?, ?)"
        " ON CONFLICT(task_id, day) DO UPDATE SET"
        f" {col} = {col} + 1,"
        " duration_count = duration_count + excluded.duration_count,"
        " total_ms = total_ms + excluded.total_ms,"
        " min_ms = CASE WHEN excluded.min_ms IS NULL THEN min_ms"
        "   WHEN min_ms IS NULL OR excluded.min_ms < min_ms THEN excluded.min_ms ELSE min_ms END,"
        " max_ms = CASE WHEN excluded.max_ms IS NULL THEN max_ms"
        "   WHEN max_ms IS NULL OR excluded.max_ms > max_ms THEN excluded.max_ms ELSE max_ms END,"
        " hist = CASE WHEN excluded.duration_count > 0 THEN excluded.hist ELSE hist END",
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


# -- reads ------------------------------------------------------------------------------------
@dataclass
class RunFilter:
    task_id: int | None = None
    statuses: list[RunStatus] = field(default_factory=list)
    since_ms: int | None = None
    until_ms: int | None = None
    exit_code: int | None = None
    text: str = ""

    def where(self) -> Expression | None:
        conds: list[Expression] = []
        if self.task_id is not None:
            conds.append(Run.task == self.task_id)
        if self.statuses:
            conds.append(Run.status.in_([str(s) for s in self.statuses]))
        if self.since_ms is not None:
            conds.append(Run.queued_at >= self.since_ms)
        if self.until_ms is not None:
            conds.append(Run.queued_at < self.until_ms)
        if self.exit_code is not None:
            conds.append(Run.exit_code == self.exit_code)
        if self.text:
            conds.append(Run.error_message.contains(self.text))
        if not conds:
            return None
        out = conds[0]
        for c in conds[1:]:
            out = out & c
        return out


def to_record(row: Run) -> RunRecord:
    return RunRecord(
        id=row.id,
        uid=row.uid,
        task_id=row.task_id,
        task_name=row.task_name,
        version=row.version,
        status=RunStatus(row.status),
        trigger=Trigger(row.trigger),
        attempt=row.attempt,
        first_uid=row.first_uid,
        params=json.loads(row.params_json or "{}"),
        priority=row.priority,
        queued_at=row.queued_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        duration_ms=row.duration_ms,
        exit_code=row.exit_code,
        signal=row.signal,
        error_type=None if row.error_type is None else ErrorType(row.error_type),
        error_message=row.error_message,
        pid=row.pid,
        pgid=row.pgid,
        proc_create_time=row.proc_create_time,
        peak_rss=row.peak_rss,
        cpu_seconds=row.cpu_seconds,
        log_path=row.log_path,
        log_bytes=row.log_bytes,
        control=None if row.control is None else Control(row.control),
        not_before=row.not_before,
        slow=bool(row.slow),
    )


def recent_success_durations(task_id: int, n: int = 30) -> list[int]:
    """Durations (ms) of the task's last `n` successful runs, oldest first; one seek in the
    (task_id, status, id) index."""
    rows = database_proxy.execute_sql(
        "SELECT duration_ms FROM run WHERE task_id = ? AND status = ? AND duration_ms IS NOT NULL"
        " ORDER BY id DESC LIMIT ?",
        [task_id, str(RunStatus.SUCCESS), n],
    ).fetchall()
    return [int(r[0]) for r in reversed(rows)]


def get(run_id: int) -> RunRecord | None:
    row = Run.get_or_none(Run.id == run_id)
    return None if row is None else to_record(row)


def get_by_uid(uid: str) -> RunRecord | None:
    row = Run.get_or_none(Run.uid == uid)
    return None if row is None else to_record(row)


def page_before(flt: RunFilter, before_id: int | None, limit: int) -> list[RunRecord]:
    """Newest first, keyset paged: the `limit` runs with id < before_id that match."""
    query = Run.select()
    where = flt.where()
    if where is not None:
        query = query.where(where)
    if before_id is not None:
        query = query.where(Run.id < before_id)
    return [to_record(r) for r in query.order_by(Run.id.desc()).limit(limit)]


def page_at(flt: RunFilter, offset: int, limit: int, total: int | None = None) -> list[RunRecord]:
    """A page by position (for a view scrolled far down): the ids come from the index first,
    then only `limit` rows are read. An OFFSET walks the index entry by entry, so a page in
    the older half of `total` matching runs is counted from the oldest end instead (the last
    page of a million runs: ~1 ms instead of ~80 ms)."""
    ids = Run.select(Run.id)
    where = flt.where()
    if where is not None:
        ids = ids.where(where)
    if total is not None and offset > total // 2:
        end = min(total, offset + limit)  # positions [offset, end) newest first
        if end <= offset:
            return []
        ids = ids.order_by(Run.id.asc()).limit(end - offset).offset(total - end)
    else:
        ids = ids.order_by(Run.id.desc()).limit(limit).offset(offset)
    id_list = [r.id for r in ids]
    if not id_list:
        return []
    rows = Run.select().where(Run.id.in_(id_list)).order_by(Run.id.desc())
    return [to_record(r) for r in rows]


def count(flt: RunFilter) -> int:
    query = Run.select(fn.COUNT(SQL("*")))
    where = flt.where()
    if where is not None:
        query = query.where(where)
    return int(query.scalar() or 0)


def queued() -> list[RunRecord]:
    """The queue in the order it is served: priority first, then first come."""
    rows = (
        Run.select()
        .where(Run.status == str(RunStatus.QUEUED))
        .order_by(Run.priority.desc(), Run.id)
    )
    return [to_record(r) for r in rows]


def live() -> list[RunRecord]:
    rows = Run.select().where(Run.status.in_([str(RunStatus.RUNNING), str(RunStatus.PAUSED)]))
    return [to_record(r) for r in rows]


def with_control() -> list[RunRecord]:
    return [to_record(r) for r in Run.select().where(Run.control.is_null(False))]


def steps(run_id: int) -> list[StepRecord]:
    rows = RunStep.select().where(RunStep.run == run_id).order_by(RunStep.idx)
    return [
        StepRecord(
            index=r.idx,
            name=r.name,
            status=r.status,
            started_at=r.started_at,
            finished_at=r.finished_at,
            exit_code=r.exit_code,
            log_start=r.log_start,
            log_end=r.log_end,
        )
        for r in rows
    ]


def last_runs_by_task() -> dict[int, RunRecord]:
    """The newest run of every task: one seek per task in the (task_id, id) index (a GROUP BY
    would read the whole index, a million entries, at every refresh of the Tasks table)."""
    task_ids = [t.id for t in Task.select(Task.id)]
    out: dict[int, RunRecord] = {}
    for task_id in task_ids:
        row = Run.select().where(Run.task == task_id).order_by(Run.id.desc()).first()
        if row is not None:
            out[task_id] = to_record(row)
    return out


def active_counts_by_task() -> dict[int, tuple[int, int]]:
    """(running or paused, queued) per task."""
    out: dict[int, tuple[int, int]] = {}
    rows = (
        Run.select(Run.task, Run.status, fn.COUNT(SQL("*")).alias("n"))
        .where(
            Run.status.in_(
                [str(s) for s in (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.PAUSED)]
            )
        )
        .group_by(Run.task, Run.status)
    )
    for r in rows:
        live, waiting = out.get(r.task_id, (0, 0))
        n = int(getattr(r, "n", 0))
        if r.status == RunStatus.QUEUED:
            waiting += n
        else:
            live += n
        out[r.task_id] = (live, waiting)
    return out
