"""Feeds a LogView the output of a run executing on another node of a shared history: its
log file is on that machine, so the view is given what the run shipped into the database
(engine/log_ship.py), read on a worker every POLL_MS while the run goes, in one batch a
read, until a read finds the run final (its whole output is shipped by then)."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from taskrun_gui.core.models import RunRecord
from taskrun_gui.engine.shipped_log import ShippedFollower, notice
from taskrun_gui.storage import output_repo, runs_repo

if TYPE_CHECKING:
    from taskrun_gui.ui.widgets.log_view import LogView

POLL_MS = 300
READ_LIMIT = 1024 * 1024  # the most bytes one read brings (more: the next poll brings them)


@dataclass
class ShippedBatch:
    text: str
    end: int  # log offset just past the bytes decoded (a split character waits)
    final: bool  # the run had ended and this read brought the rest


def read_batch(rec: RunRecord, start: int | None, tail_bytes: int) -> ShippedBatch:
    """On a worker: what follows log offset `start` (None: the first look, the last
    `tail_bytes`, from a line start), decoded; the run's state read first."""
    now = runs_repo.get_by_uid(rec.uid)
    ended = now is None or now.status.is_final
    head, fragment = b"", False
    if start is None:
        end, kept = output_repo.end_of(rec.uid), output_repo.kept_start(rec.uid)
        start = max(kept, end - tail_bytes)
        fragment = start > kept  # the tail starts in the middle of a line
        if fragment:
            head = f"[{start} earlier bytes not shown here: `taskrun log {rec.id}`]\n".encode()
        elif kept:
            head = notice(rec, kept, first=True)
    follower = ShippedFollower(rec, start)
    data = follower.read(READ_LIMIT)
    final = ended and follower.position >= output_repo.end_of(rec.uid)  # nothing more to come
    if fragment:
        data = data[data.find(b"\n") + 1 :]
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    text = decoder.decode(head + data, final=final)
    return ShippedBatch(text, follower.position - len(decoder.getstate()[0]), final)


class _Relay(QObject):
    read = Signal(int, object)  # generation, ShippedBatch or the exception


class _Read(QRunnable):
    def __init__(self, job: Callable[[], ShippedBatch], generation: int, relay: _Relay) -> None:
        super().__init__()
        self._job, self._generation, self._relay = job, generation, relay

    def run(self) -> None:
        try:
            result: object = self._job()
        except Exception as exc:  # the database is down: the next poll tries again
            result = exc
        self._relay.read.emit(self._generation, result)


class ShippedFeed(QObject):
    """One view's feed of shipped output; started by LogView.show_shipped, stopped by clear."""

    def __init__(self, view: LogView, tail_bytes: int) -> None:
        super().__init__(view)
        self._view = view
        self._tail_bytes = tail_bytes
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.read.connect(self._on_read)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)
        self._generation = 0
        self._rec: RunRecord | None = None
        self._position: int | None = None
        self._busy = False

    def start(self, rec: RunRecord, live: bool) -> None:
        self.stop()
        self._rec, self._position = rec, None
        self._poll()
        if live:
            self._timer.start()

    def stop(self) -> None:
        self._generation += 1  # a read still in flight is dropped
        self._timer.stop()
        self._rec, self._busy = None, False

    @property
    def active(self) -> bool:
        """Reads are still to come (the run is live, or its last read is on the way)."""
        return self._rec is not None

    def _poll(self) -> None:
        if self._busy or self._rec is None:
            return
        self._busy = True
        job = partial(read_batch, self._rec, self._position, self._tail_bytes)
        self._pool.start(_Read(job, self._generation, self._relay))

    def _on_read(self, generation: int, result: object) -> None:
        if generation != self._generation:
            return
        self._busy = False
        if not isinstance(result, ShippedBatch):
            if not self._timer.isActive():
                self._timer.start()  # a finished run's read failed: try again
            return
        self._position = result.end
        if result.text:
            self._view.append_output(result.text)
        if result.final:
            self.stop()
        elif not self._timer.isActive():
            self._poll()  # not all of it yet: more to read
