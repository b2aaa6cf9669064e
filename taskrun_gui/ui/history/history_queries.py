"""The history model's queries, run on a QueryRunner worker (never on the UI thread).

They sit beside the model rather than in `storage/runs_repo.py` because that module is not
ours to change; `position_of` is a candidate to move there.
"""

from __future__ import annotations

from peewee import SQL, fn

from taskrun_gui.core.models import RunRecord
from taskrun_gui.storage import runs_repo
from taskrun_gui.storage.runs_repo import RunFilter
from taskrun_gui.storage.schema import Run


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


def read_head(flt: RunFilter, limit: int) -> tuple[int, list[RunRecord]]:
    """The count and the newest page of `flt`. A live refresh is asked for once the writer
    has committed (the change hub says so), so it never waits for the writer."""
    return runs_repo.count(flt), runs_repo.page_before(flt, None, limit)


def read_page(
    flt: RunFilter, start: int, before_id: int | None, limit: int, total: int | None = None
) -> list[RunRecord]:
    """The page at position `start`: by keyset when the run just above it is known (exact
    even while runs are added), else by indexed offset (a jump deep into the history),
    counted from whichever end of the `total` matching runs is nearer."""
    if before_id is not None:
        return runs_repo.page_before(flt, before_id, limit)
    return runs_repo.page_at(flt, start, limit, total)
