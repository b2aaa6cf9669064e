"""Shipping the output of the runs executing on this node into a shared history (PostgreSQL),
so that every other node can show and follow it (storage/output_repo.py): no shared file
system needed.

The log file stays the source of truth: one thread per store tails the log files of this
node's running runs (engine/log_follow.py, so what is shipped is what the file holds: masked,
capped) and ships what is new every FLUSH_S, or sooner once CHUNK_BYTES are waiting. A run's
last bytes are shipped before its end is handed to the writer, so a reader that sees the run
final reads its whole tail. A failure to ship (the database down) never touches the run: the
bytes stay in the file and are shipped from there when the database answers again."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import weakref
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from peewee import Database

from taskrun_gui.core.models import RunRecord
from taskrun_gui.core.run_events import RunEvent, RunFinished, RunRecorder
from taskrun_gui.engine.log_file import MIN_HEAD
from taskrun_gui.engine.log_follow import LogFollower
from taskrun_gui.storage import output_repo
from taskrun_gui.storage.db import Store

log = logging.getLogger(__name__)

FLUSH_S = 0.5  # the longest new output waits to be shipped
TICK_S = 0.1  # how often the sizes of the files are looked at
RETRY_S = 1.0  # after a failure, the next try
FINAL_WAIT_S = 2.0  # the most a run's end waits for its last bytes to be shipped
IDLE_S = 5.0  # the shipping thread ends after this long with no run to ship
_shippers: weakref.WeakKeyDictionary[Store, LogShipper] = weakref.WeakKeyDictionary()
_shippers_lock = threading.Lock()


class _Shipping:
    """One run's log being shipped: how far, and what a failed try left to send again."""

    def __init__(self, rec: RunRecord) -> None:
        self.uid = rec.uid
        self.path = Path(rec.log_path)
        self.follower = LogFollower(self.path)
        self.seq = 0  # the number of the next chunk
        self.sent = 0  # log offset just past what is in the database
        self.pending = b""  # read from the file, not yet in the database (a failed try)
        self.pending_at = 0
        self.flushed_at = 0.0
        self.retry_at = 0.0
        self.ending = False  # the run ended: ship the rest, then forget the run
        self.shipped_end = threading.Event()  # the rest was shipped, or tried once
        self.busy = False  # the shipping thread is reading or sending it now

    def due(self, now: float) -> bool:
        if now < self.retry_at:
            return False
        if self.ending or self.pending or now - self.flushed_at >= FLUSH_S:
            return True
        try:
            return os.path.getsize(self.path) - self.sent >= output_repo.CHUNK_BYTES
        except OSError:
            return False

    def ship(self, keep: int) -> bool:
        """Ship what the file holds past `sent`; False when the database refused it."""
        while True:
            if not self.pending:
                data, skipped = self.follower.read(keep)  # more than `keep` new: its last
                self.pending, self.pending_at = data, self.sent + skipped
                self.sent += skipped
            if not self.pending:
                return True
            self.seq += output_repo.append(self.uid, self.seq, self.pending_at, self.pending, keep)
            self.sent = self.pending_at + len(self.pending)
            self.pending = b""


def _small_size(path: Path) -> int:
    """The size of a log too small to have tail segments (engine/log_file.py), else -1."""
    try:
        size = os.path.getsize(path)
    except OSError:
        return -1
    return size if size < MIN_HEAD else -1


class LogShipper:
    """The shipping thread of one store; it runs while a run of this node is being shipped."""

    def __init__(self, db: Database, keep: int = output_repo.DEFAULT_KEEP) -> None:
        """`db`: the history's database (its connection on the shipping thread is closed
        after a failure, so that the next try opens a new one)."""
        self.db = db
        self.keep = keep
        self._runs: dict[str, _Shipping] = {}
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closing = False  # the host is closing: an idle thread ends at once

    def close(self, timeout: float = 2.0) -> None:
        """The host is closing: the thread ends once nothing is left to ship (at once when
        idle; a later run starts it again)."""
        with self._cond:
            self._closing = True
            self._cond.notify()
            thread = None if self._runs else self._thread  # busy: it ends when done
        if thread is not None:
            thread.join(timeout)

    @contextlib.contextmanager
    def shipping(self, rec: RunRecord, writer: RunRecorder) -> Iterator[RunRecorder]:
        """Ship run `rec`'s log while it executes; the recorder to hand its events to
        (its end waits for the last bytes to be shipped)."""
        entry = _Shipping(rec)
        with self._cond:
            self._runs[rec.uid] = entry
            self._closing = False
            self._cond.notify()  # an idle thread: this run's output is to be shipped now
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="taskrun-log-ship", daemon=True
                )
                self._thread.start()
        try:
            yield _EndAfterShipping(writer, self, entry)
        finally:
            self.end(entry)

    def end(self, entry: _Shipping) -> None:
        """The run ended (its log file is closed): ship the rest now, waiting a bounded time.
        Nothing to wait for when the database has the whole file already (a quiet run)."""
        with self._cond:
            if entry.ending:
                return
            if not entry.busy and not entry.pending and entry.sent == _small_size(entry.path):
                entry.ending = True
                self._runs.pop(entry.uid, None)
                entry.shipped_end.set()
                return
            entry.ending = True
            entry.retry_at = 0.0
            self._cond.notify()
        entry.shipped_end.wait(FINAL_WAIT_S)

    def _loop(self) -> None:
        while True:
            with self._cond:
                if not self._runs and not self._closing:  # a while for the next run: one
                    self._cond.wait(IDLE_S)  # thread (and connection) a burst, not one a gap
                if not self._runs:
                    self._thread = None
                    break
                now = time.monotonic()
                if not any(e.ending and e.due(now) for e in self._runs.values()):
                    self._cond.wait(TICK_S)  # an ended run is not kept waiting for a tick
                    now = time.monotonic()
                due = [e for e in self._runs.values() if e.due(now)]
            for entry in due:
                self._ship(entry)
        with contextlib.suppress(Exception):
            self.db.close()  # this thread's connection

    def _ship(self, entry: _Shipping) -> None:
        with self._cond:
            if entry.uid not in self._runs:  # ended with nothing left to ship meanwhile
                return
            ending = entry.ending  # read first: the bytes of an ended run are all in the file
            entry.busy = True
        try:
            try:
                entry.ship(self.keep)
            except Exception:
                if not self._connection_dropped():
                    raise
                entry.ship(self.keep)  # once more on a new one: appending again is harmless
        except Exception as exc:  # the database is down or refuses: the file keeps them
            log.debug("run %s: its output was not shipped yet: %s", entry.uid, exc)
            entry.retry_at = time.monotonic() + RETRY_S
            self._reconnect_later()
            if ending:
                entry.shipped_end.set()  # the end goes on; the rest follows when it can
            return
        finally:
            with self._cond:
                entry.busy = False
        entry.flushed_at = time.monotonic()
        if ending:
            with self._cond:
                self._runs.pop(entry.uid, None)
            entry.shipped_end.set()

    def _connection_dropped(self) -> bool:
        """Whether the server had ended this thread's connection (kept while the thread
        waited for the next run: a restart, an idle timeout, an administrator)."""
        dead = getattr(self.db, "_dead", None)
        return bool(dead is not None and dead())

    def _reconnect_later(self) -> None:
        """A broken connection is closed so that the next try opens a new one."""
        with contextlib.suppress(Exception):
            if not self.db.in_transaction():
                self.db.close()


class _EndAfterShipping:
    """The writer, as the run sees it: its end is handed on once its last bytes are shipped."""

    def __init__(self, writer: RunRecorder, shipper: LogShipper, entry: _Shipping) -> None:
        self._writer, self._shipper, self._entry = writer, shipper, entry

    @property
    def healthy(self) -> bool:
        return self._writer.healthy

    @property
    def journaled(self) -> bool:
        return self._writer.journaled

    def submit(self, event: RunEvent, /, lazy: bool = False) -> Future[Any]:
        if isinstance(event, RunFinished) and event.uid == self._entry.uid:
            self._shipper.end(self._entry)
        return self._writer.submit(event, lazy=lazy)


@contextlib.contextmanager
def shipping(store: Store, rec: RunRecord, writer: RunRecorder) -> Iterator[RunRecorder]:
    """What EngineHost runs a run in: on a shared history its log is shipped while it
    executes (the recorder returned holds its end until then); elsewhere nothing happens."""
    if store.url is None or not rec.log_path:
        yield writer
        return
    with _shippers_lock:
        shipper = _shippers.get(store)
        if shipper is None:
            shipper = _shippers[store] = LogShipper(store.db)
    with shipper.shipping(rec, writer) as recorder:
        yield recorder


def stop_shipping(store: Store) -> None:
    """`store`'s host is closing: its shipping thread ends now, not IDLE_S later."""
    with _shippers_lock:
        shipper = _shippers.get(store)
    if shipper is not None:
        shipper.close()
