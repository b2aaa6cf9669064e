"""Reading the output of a run that executes (or executed) on another node of a shared
history: its log file is on that machine, so what it shipped into the database is read
instead (engine/log_ship.py). On the node that ran it, and on a history of one machine
(SQLite), the log file stays what is read."""

from __future__ import annotations

from taskrun_gui.core.models import RunRecord
from taskrun_gui.core.nodes import node_name
from taskrun_gui.storage import output_repo


def reads_shipped(rec: RunRecord) -> bool:
    """The run's output is read from the database here: it is another node's run."""
    return bool(rec.node) and rec.node != node_name() and output_repo.shared()


def notice(rec: RunRecord, dropped: int, first: bool) -> bytes:
    """The one line that stands for bytes the database no longer keeps (the newest are)."""
    which = f"first {dropped} bytes" if first else f"{dropped} more bytes"
    return (
        f"[{which} not kept in the database; the full log is on node {rec.node}"
        f" at {rec.log_path}]\n"
    ).encode()


class ShippedFollower:
    """Reads a run's shipped output in order, as LogFollower reads a log file: each `read`
    returns what arrived since the last, a notice line where bytes were dropped."""

    def __init__(self, rec: RunRecord, position: int = 0) -> None:
        self.rec = rec
        self.position = position  # log offset just past what was returned

    def read(self, limit: int | None = None) -> bytes:
        """New bytes (at most `limit` of them, the first ones, besides a notice)."""
        got = output_repo.read(self.rec.uid, self.position, limit)
        note = b""
        if got.start > self.position:
            note = notice(self.rec, got.start - self.position, first=self.position == 0)
        if got.data:
            self.position = got.end
        elif got.kept_from > self.position:
            self.position = got.kept_from
        return note + got.data
