"""What the executor told us about runs, kept until the database has caught up.

The executor's signals reach the UI before (or after) the serialized writer has stored the same
state, so a page read from the database can be a step behind what the table already showed.
The overlay remembers the newest signalled record per run and wins over an older row; once the
row is at least as far along (a final status, say) the overlay entry is dropped.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace

from taskrun_gui.core.models import RunRecord, RunStatus

MAX_ENTRIES = 500


def _rank(status: RunStatus) -> int:
    """How far along a run is: queued, then live, then final (never goes back)."""
    if status is RunStatus.QUEUED:
        return 0
    return 1 if status.is_live else 2


class LiveOverlay:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._records: OrderedDict[str, RunRecord] = OrderedDict()

    def __len__(self) -> int:
        return len(self._records)

    def note(self, rec: RunRecord) -> None:
        """Remember the newest signalled state of a run (oldest entries fall off)."""
        self._records[rec.uid] = rec
        self._records.move_to_end(rec.uid)
        while len(self._records) > self.max_entries:
            self._records.popitem(last=False)

    def merge(self, row: RunRecord) -> RunRecord:
        """The row as the user should see it: the signalled state unless the row is newer."""
        live = self._records.get(row.uid)
        if live is None:
            return row
        if _rank(row.status) > _rank(live.status) or (row.status.is_final and live.status.is_final):
            del self._records[row.uid]  # the database has caught up
            return row
        return replace(live, id=row.id, steps=live.steps or row.steps)

    def merge_all(self, rows: list[RunRecord]) -> list[RunRecord]:
        if not self._records:
            return rows
        return [self.merge(r) for r in rows]
