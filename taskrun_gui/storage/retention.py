"""Retention: delete old finished runs (rows and log files) by age and by count per task.
Queued, running and paused runs are never touched; daily aggregates stay, so trends keep
their history after the details are gone."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from peewee import SQL, fn

from taskrun_gui.core.models import ACTIVE_STATUSES
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.schema import Run, Task

BATCH = 2000


@dataclass
class CleanupResult:
    runs_deleted: int = 0
    log_bytes_freed: int = 0


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


def _delete(store: Store, ids_and_logs: list[tuple[int, str]], result: CleanupResult) -> None:
    for start in range(0, len(ids_and_logs), BATCH):
        chunk = ids_and_logs[start : start + BATCH]
        with store.db.atomic():
            Run.delete().where(Run.id.in_([i for i, _ in chunk])).execute()
        result.runs_deleted += len(chunk)
        for _, path in chunk:
            try:
                size = os.path.getsize(path)
                os.unlink(path)
                result.log_bytes_freed += size
            except OSError:
                pass


def _pairs(query: Any) -> list[tuple[int, str]]:
    return [(int(i), str(p)) for i, p in cast(Iterable[tuple[Any, Any]], query)]


def cleanup(
    store: Store, older_than_days: float | None = None, keep_per_task: int | None = None
) -> CleanupResult:
    result = CleanupResult()
    if older_than_days is not None:
        cutoff = int((time.time() - older_than_days * 86400) * 1000)
        old = Run.select(Run.id, Run.log_path).where(_final() & (Run.queued_at < cutoff)).tuples()
        _delete(store, _pairs(old), result)
    if keep_per_task is not None:
        for task_id in [t.id for t in Task.select(Task.id)]:
            newest = (
                Run.select(Run.id)
                .where((Run.task == task_id) & _final())
                .order_by(Run.id.desc())
                .offset(keep_per_task)
                .limit(1)
                .scalar()
            )
            if newest is None:
                continue
            extra = (
                Run.select(Run.id, Run.log_path)
                .where((Run.task == task_id) & _final() & (Run.id <= newest))
                .tuples()
            )
            _delete(store, _pairs(extra), result)
    return result


def storage_info(store: Store) -> StorageInfo:
    return StorageInfo(
        data_dir=str(store.data_dir),
        db_bytes=store.db_size(),
        log_bytes=store.log_size(),
        runs=int(Run.select(fn.COUNT(SQL("*"))).scalar() or 0),
        tasks=int(Task.select(fn.COUNT(SQL("*"))).where(Task.deleted_at.is_null()).scalar() or 0),
    )
