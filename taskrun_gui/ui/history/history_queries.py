"""The history model's queries, run on a QueryRunner worker (never on the UI thread).

The queries themselves are runs_repo's; this module says which the model asks for.
"""

from __future__ import annotations

from taskrun_gui.core.models import RunRecord
from taskrun_gui.storage import runs_repo
from taskrun_gui.storage.runs_repo import RunFilter, position_of

__all__ = ["position_of", "read_head", "read_page"]


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
