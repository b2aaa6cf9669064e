"""Limits that hold over the whole history, whatever node runs what: today the history-wide
number of runs executing at once (`taskrun nodes --max-running N`). A node's own worker count
("Runs at once", --workers) stays its own; this one is shared, so it lives in the database,
and the nodes of a PostgreSQL history enforce it with advisory-lock slots (storage/pg_slots).
No row: no history-wide limit (each node runs up to its workers)."""

from __future__ import annotations

from taskrun_gui.storage import backend
from taskrun_gui.storage.schema import HistoryLimit, database_proxy

MAX_RUNNING = "max_running"


def max_running() -> int | None:
    """The history-wide limit of runs at once (None: none)."""
    row = HistoryLimit.get_or_none(HistoryLimit.name == MAX_RUNNING)
    return None if row is None else int(row.value)


def set_max_running(limit: int) -> None:
    """`limit` runs at once over every node from now on (0: no history-wide limit). Runs
    already going keep going; the limit applies to the runs that start next."""
    db = database_proxy.obj
    with backend.of(db).write_transaction(db):
        HistoryLimit.delete().where(HistoryLimit.name == MAX_RUNNING).execute()
        if limit > 0:
            HistoryLimit.insert(name=MAX_RUNNING, value=limit).execute()
