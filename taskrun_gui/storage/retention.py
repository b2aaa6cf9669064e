"""Retention: delete old finished runs (rows and log files) by age and by count per task.
Queued, running and paused runs are never touched; daily aggregates stay, so trends keep
their history after the details are gone.

Retry chains stay whole: a chain with an attempt the criteria keep (a newer one, or one still
queued or running) keeps all its attempts, so no retry is left whose earlier attempts are gone.
So a chain's age is its newest run's, and keep-per-task may keep a few runs more than asked:
the rest of a chain it keeps.

The write lock is never held for long: BATCH runs per transaction, each through `commit` (the
window passes one that goes through its serialized writer, so run records are written between
two batches), and the log files of a batch are deleted once its transaction has committed."""

from __future__ import annotations

import glob
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peewee import SQL, fn

from taskrun_gui.core.limits import RETENTION_MAX_DAYS, RETENTION_MAX_KEEP
from taskrun_gui.core.models import ACTIVE_STATUSES
from taskrun_gui.storage import chains_repo, log_home, output_repo
from taskrun_gui.storage.chains_repo import ChainRow
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.schema import Run, Task

BATCH = 2000
MAX_DAYS = RETENTION_MAX_DAYS
MAX_KEEP = RETENTION_MAX_KEEP
# Runs `work` in a transaction of its own and returns once that is committed.
Commit = Callable[[Callable[[], object]], object]


@dataclass
class CleanupResult:
    runs_deleted: int = 0
    log_bytes_freed: int = 0
    logs_left: int = 0  # log files of deleted runs that could not be deleted (say so)


@dataclass
class StorageInfo:
    data_dir: str
    db_bytes: int
    log_bytes: int
    runs: int
    tasks: int

    def to_json(self) -> dict[str, object]:
        return {
            "data_dir": self.data_dir,
            "db_bytes": self.db_bytes,
            "log_bytes": self.log_bytes,
            "runs": self.runs,
            "tasks": self.tasks,
        }


def _final() -> Any:
    return Run.status.not_in([str(s) for s in ACTIVE_STATUSES])


def _active() -> Any:
    return Run.status.in_([str(s) for s in ACTIVE_STATUSES])


def cleanup(
    store: Store,
    older_than_days: float | None = None,
    keep_per_task: int | None = None,
    commit: Commit | None = None,
) -> CleanupResult:
    """Delete the finished runs queued more than `older_than_days` ago, and those of each task
    beyond its `keep_per_task` newest finished ones (None: no such limit), chains whole.
    `commit` runs each batch in its own transaction (default: one on this thread's
    connection, which must not be in a transaction). Raises ValueError, before deleting
    anything, for an age or a count out of range."""
    days = _checked_days(older_than_days)
    keep = _checked_keep(keep_per_task)
    commit = commit or _own_transaction(store)
    result = CleanupResult()
    if days is not None:
        cutoff = int((time.time() - days * 86400) * 1000)
        old = _final() & (Run.queued_at < cutoff)
        _sweep(old, _active() | (Run.queued_at >= cutoff), commit, result, store.logs_dir)
    if keep is not None:
        for task_id in [t.id for t in Task.select(Task.id)]:
            newest = (
                Run.select(Run.id)
                .where((Run.task == task_id) & _final())
                .order_by(Run.id.desc())
                .offset(keep)
                .limit(1)
                .scalar()
            )
            if newest is None:
                continue
            mine = Run.task == task_id
            extra = mine & _final() & (Run.id <= newest)
            kept = mine & ((Run.id > newest) | _active())
            _sweep(extra, kept, commit, result, store.logs_dir)
    return result


def _checked_days(days: float | None) -> float | None:
    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, int | float) or not 0 < days <= MAX_DAYS:
        limits = f"a number of days above 0, at most {MAX_DAYS}"
        raise ValueError(f"older_than_days must be {limits}, not {days!r}")
    return float(days)


def _checked_keep(keep: int | None) -> int | None:
    if keep is None:
        return None
    if isinstance(keep, bool) or not isinstance(keep, int) or not 1 <= keep <= MAX_KEEP:
        limits = f"a whole number from 1 to {MAX_KEEP}"
        raise ValueError(f"keep_per_task must be {limits}, not {keep!r}")
    return keep


def _own_transaction(store: Store) -> Commit:
    def commit(work: Callable[[], object]) -> object:
        if store.db.in_transaction():  # its commit would not be the batch's: logs go early
            raise RuntimeError("retention.cleanup runs its own transactions: not inside one")
        with store.write_transaction():
            return work()

    return commit


def _sweep(doomed: Any, kept: Any, commit: Commit, result: CleanupResult, logs: Path) -> None:
    """Delete the runs `doomed` selects, in id order, BATCH at a time, but not the chains
    with a run that `kept` selects (the runs of the same scope that are not doomed)."""
    keep_chains = chains_repo.chains_with_retries_in(kept)  # a retry stays: its chain does
    after = 0
    while page := chains_repo.page_after(doomed, after, BATCH):
        after = page[-1].id
        uids = {r.uid for r in page}
        # a retry whose first run is not on this page: that run was deleted on an earlier
        # one, or it is not doomed (a first run comes before its retries), so its chain stays
        elsewhere = {r.first_uid for r in page if r.first_uid and r.first_uid not in uids}
        keep_chains |= chains_repo.existing_uids(elsewhere)
        rows = [r for r in page if r.chain not in keep_chains]
        if rows:
            _delete(rows, commit, result, logs)


def _delete(rows: list[ChainRow], commit: Commit, result: CleanupResult, logs: Path) -> None:
    ids = [r.id for r in rows]
    uids = [r.uid for r in rows]  # their logs go: so does the output they shipped

    def delete() -> None:
        Run.delete().where(Run.id.in_(ids)).execute()
        output_repo.delete_runs(uids)

    commit(delete)
    result.runs_deleted += len(rows)
    mine = [own for r in rows if r.log_path and (own := own_log(r.log_path, logs)) is not None]
    freed, left = _remove_logs(mine)
    result.log_bytes_freed += freed
    result.logs_left += left


def own_log(path: str, logs: Path) -> str | None:
    """Where this data dir keeps the log stored as `path`: there when it is in this data
    dir's logs folder, else the same month/uid.log in it (a data dir moved or copied keeps
    the paths of where it was), else None: another data dir's file, never this one's to
    delete (a copy's cleanup deleted the original's logs)."""
    here = os.path.realpath(logs)
    if os.path.realpath(path).startswith(here + os.sep):
        return path
    return log_home.same_file_here(path, logs)


def _remove_logs(paths: list[str]) -> tuple[int, int]:
    """Delete the log files of a committed deletion, with the tail segments a capped log has
    beside it until its run's end (or those a full disk or a crash left there): the bytes
    freed, and the files that could not be deleted (one deleted by hand already is none)."""
    freed = left = 0
    for path in paths:
        for file in [path, *glob.glob(f"{glob.escape(path)}.tail-*")]:
            try:
                size = os.path.getsize(file)
                os.unlink(file)
            except FileNotFoundError:
                continue
            except OSError:
                left += 1
                continue
            freed += size
    return freed, left


def storage_info(store: Store) -> StorageInfo:
    return StorageInfo(
        data_dir=str(store.data_dir),
        db_bytes=store.db_size(),
        log_bytes=store.log_size(),
        runs=int(Run.select(fn.COUNT(SQL("*"))).scalar() or 0),
        tasks=int(Task.select(fn.COUNT(SQL("*"))).where(Task.deleted_at.is_null()).scalar() or 0),
    )
