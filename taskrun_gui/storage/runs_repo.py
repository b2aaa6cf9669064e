"""Run rows: keyset-paged reads of the history (writes are in run_writes)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from peewee import SQL, Expression, OperationalError, fn

from taskrun_gui.core.models import (
    ACTIVE_STATUSES,
    Control,
    ErrorType,
    RunRecord,
    RunStatus,
    StepRecord,
    Trigger,
)
from taskrun_gui.core.nodes import ANY_NODE
from taskrun_gui.storage import backend, log_home, run_records
from taskrun_gui.storage.schema import Run, RunStep, Task


# -- reads ------------------------------------------------------------------------------------
@dataclass
class RunFilter:
    task_id: int | None = None
    statuses: list[RunStatus] = field(default_factory=list)
    since_ms: int | None = None
    until_ms: int | None = None
    exit_code: int | None = None
    text: str = ""
    host: str | None = None  # runs on that machine (see storage/hosts_repo.py)
    batch: str | None = None  # the runs of one `run --on` invocation
    node: str | None = None  # runs a node executed or will (the (node, id) index)

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
        if self.host is not None:
            conds.append(Run.host == self.host)
        if self.batch is not None:
            conds.append(Run.batch == self.batch)
        if self.node is not None:
            conds.append(Run.node == self.node)
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
        paused_ms=row.paused_ms or 0,
        exit_code=row.exit_code,
        signal=row.signal,
        error_type=None if row.error_type is None else ErrorType(row.error_type),
        error_message=row.error_message,
        pid=row.pid,
        pgid=row.pgid,
        proc_create_time=row.proc_create_time,
        peak_rss=row.peak_rss,
        cpu_seconds=row.cpu_seconds,
        log_path=log_home.readable(row.log_path),  # a moved data dir: its copy
        log_bytes=row.log_bytes,
        log_dropped=row.log_dropped,
        control=None if row.control is None else Control(row.control),
        not_before=row.not_before,
        slow=bool(row.slow),
        host=row.host,
        batch=row.batch,
        batch_limit=row.batch_limit,
        triggered_by=row.triggered_by,
        node=row.node,
    )


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
    return run_records.records(query.order_by(Run.id.desc()).limit(limit))


def latest_statuses(task_id: int, limit: int) -> list[tuple[str, str]]:
    """(uid, status) of the task's last `limit` runs, newest first: two columns off the
    (task_id, id) index, for a check made at every run's end (no whole records built)."""
    query = Run.select(Run.uid, Run.status).where(Run.task == task_id)
    rows = query.order_by(Run.id.desc()).limit(limit).tuples()
    return [(str(u), str(s)) for u, s in cast(Iterable[tuple[Any, Any]], rows)]


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
    return run_records.records(Run.select().where(Run.id.in_(id_list)).order_by(Run.id.desc()))


def count(flt: RunFilter) -> int:
    where = flt.where()
    if where is None and backend.current().name == "sqlite":  # every run: kept by triggers
        try:
            total = backend.query("SELECT n FROM run_total WHERE id = 1").fetchone()
        except OperationalError:  # a store left before migration 17 (busy at its upgrade)
            total = None
        if total is not None:
            return int(total[0])
    query = Run.select(fn.COUNT(SQL("*")))
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


def queued_of_task(task_id: int) -> list[RunRecord]:
    """The task's queued runs, newest first (what deleting the task cancels)."""
    rows = Run.select().where((Run.task == task_id) & (Run.status == str(RunStatus.QUEUED)))
    return [to_record(r) for r in rows.order_by(Run.id.desc())]


def ids_by_uid(uids: list[str]) -> dict[str, int]:
    """The row ids of runs by uid (those in the store), in chunks SQLite can bind."""
    found: dict[str, int] = {}
    for start in range(0, len(uids), 500):
        chunk = uids[start : start + 500]
        rows = Run.select(Run.uid, Run.id).where(Run.uid.in_(chunk)).tuples()
        found.update((str(uid), int(run_id)) for uid, run_id in cast(Iterable[Any], rows))
    return found


def servable_by(node: str) -> Expression:
    """The runs node `node` may take: queued for it, for any node (ANY_NODE), or recorded
    before runs had a node."""
    return (Run.node == node) | (Run.node == ANY_NODE) | Run.node.is_null()


def has_queued(before_ms: int | None = None, node: str | None = None) -> bool:
    """Some run waits for a host (queued before `before_ms`, when given; one that `node`
    may take, when given): one index seek."""
    query = Run.select(Run.id).where(Run.status == str(RunStatus.QUEUED))
    if node is not None:
        query = query.where(servable_by(node))
    if before_ms is not None:
        query = query.where(Run.queued_at < before_ms)
    return bool(query.limit(1).exists())


def retry_of(rec: RunRecord) -> RunRecord | None:
    """The next attempt of `rec`, once its retry is queued: an index seek in (task_id, id),
    no scan for first_uid."""
    row = Run.get_or_none(
        (Run.task == rec.task_id)
        & (Run.id > (rec.id or 0))
        & (Run.first_uid == (rec.first_uid or rec.uid))
        & (Run.attempt == rec.attempt + 1)
    )
    return None if row is None else to_record(row)


def position_of(flt: RunFilter, run_id: int) -> int | None:
    """Where a run sits in the newest-first order of `flt` (None: it does not match):
    two index-only queries, whatever the size of the history."""
    where = flt.where()
    match = Run.select(Run.id).where(Run.id == run_id)
    newer = Run.select(fn.COUNT(SQL("*"))).where(Run.id > run_id)
    if where is not None:
        match, newer = match.where(where), newer.where(where)
    if not match.exists():
        return None
    return int(newer.scalar() or 0)


def newest_id() -> int:
    """The id of the newest run (0: none yet)."""
    return int(Run.select(Run.id).order_by(Run.id.desc()).limit(1).scalar() or 0)


def active_or_after(last_id: int) -> list[RunRecord]:
    """The active runs, and every run with id > last_id: a quick one may have gone from
    queued to final between two looks of a watcher."""
    rows = Run.select().where(
        Run.status.in_([str(s) for s in ACTIVE_STATUSES]) | (Run.id > last_id)
    )
    return [to_record(r) for r in rows]


def live(node: str | None = None) -> list[RunRecord]:
    """Running or paused runs (of `node`, and those recorded before runs had a node)."""
    where = Run.status.in_([str(RunStatus.RUNNING), str(RunStatus.PAUSED)])
    if node is not None:
        where &= (Run.node == node) | Run.node.is_null()
    rows = Run.select().where(where)
    return [to_record(r) for r in rows]


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


LogRow = tuple[int, str, str, str, int, str]  # id, uid, task name, status, queued at, log path
LOG_PAGE = 2000  # run rows read per query


def log_pages(flt: RunFilter, page: int = LOG_PAGE) -> Iterator[list[LogRow]]:
    """What a search of the runs' output needs of the runs `flt` matches, newest first, a
    page at a time (keyset paging on the id: each page one index range)."""
    where = flt.where()
    before: int | None = None
    while True:
        query = Run.select(Run.id, Run.uid, Run.task_name, Run.status, Run.queued_at, Run.log_path)
        if where is not None:
            query = query.where(where)
        if before is not None:
            query = query.where(Run.id < before)
        rows = cast(list[LogRow], list(query.order_by(Run.id.desc()).limit(page).tuples()))
        if not rows:
            return
        yield [(*row[:5], log_home.readable(row[5])) for row in rows]  # a moved data dir
        before = rows[-1][0]
