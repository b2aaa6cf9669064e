"""Queries about retry chains. A failed attempt that is retried and the attempts after it form
a chain: the first run has no first_uid, every retry has the first run's uid as its first_uid
(its `chain` below), and retries are inserted after the attempt they retry (a larger id, the
same task). first_uid has no index: every query here starts from the uid index or from the
(task_id, id) one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from taskrun_gui.storage.schema import Run

IN_CHUNK = 500  # uids per IN (...) list: far under SQLite's limit on bound variables


@dataclass(frozen=True)
class ChainRow:
    """What retention needs of a run to delete it with its chain."""

    id: int
    uid: str
    first_uid: str | None
    log_path: str

    @property
    def chain(self) -> str:
        return self.first_uid or self.uid


def retried_run_id(task_id: int, run_id: int, attempt: int, first_uid: str) -> int | None:
    """The id of the run that attempt `attempt` (>= 2, run `run_id`) retries: the attempt
    before it. None when that run is gone (an older retention deleted part of the chain)."""
    if attempt <= 2:
        found = Run.select(Run.id).where(Run.uid == first_uid).scalar()
    else:
        found = (
            Run.select(Run.id)
            .where(
                (Run.task == task_id)
                & (Run.id < run_id)
                & (Run.first_uid == first_uid)
                & (Run.attempt == attempt - 1)
            )
            .order_by(Run.id.desc())
            .limit(1)
            .scalar()
        )
    return None if found is None else int(found)


def page_after(where: Any, after: int, n: int) -> list[ChainRow]:
    """The next `n` runs matching `where` with an id above `after`, in id order (so a chain's
    first run comes before its retries)."""
    rows = (
        Run.select(Run.id, Run.uid, Run.first_uid, Run.log_path)
        .where(where & (Run.id > after))
        .order_by(Run.id)
        .limit(n)
        .tuples()
    )
    return [
        ChainRow(int(i), str(u), None if f is None else str(f), str(p))
        for i, u, f, p in cast(Iterable[tuple[Any, Any, Any, Any]], rows)
    ]


def chains_with_retries_in(where: Any) -> set[str]:
    """The chains that have a retry matching `where`."""
    rows = Run.select(Run.first_uid).where(where & Run.first_uid.is_null(False)).distinct()
    return {str(f) for (f,) in cast(Iterable[tuple[Any]], rows.tuples())}


def existing_uids(uids: Iterable[str]) -> set[str]:
    """Which of these runs are still in the store."""
    wanted = sorted(set(uids))
    found: set[str] = set()
    for start in range(0, len(wanted), IN_CHUNK):
        chunk = wanted[start : start + IN_CHUNK]
        rows = Run.select(Run.uid).where(Run.uid.in_(chunk)).tuples()
        found.update(str(u) for (u,) in cast(Iterable[tuple[Any]], rows))
    return found
