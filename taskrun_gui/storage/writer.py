"""The one serialized writer of a store (SQLite has one writer).

Run records are written as data (core.run_events), not closures, so when the store refuses them
(read-only, locked, disk full) they are kept in order and retried; every one is in the
writer's journal from the moment it is submitted until it is committed, so neither a host
crash nor a store that never comes back loses a record: the next process to open the store
replays what is left (journal.py). Tracking never stops execution."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from peewee import OperationalError

from taskrun_gui.core.run_events import RunEvent
from taskrun_gui.storage import journal, spool_claims
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.op_batches import CommitCallback, Job, OpBatches, store_refused

log = logging.getLogger(__name__)

HealthCallback = Callable[[bool, str], None]
COMPACT_AT = 1 << 20  # journal bytes after which a busy writer rewrites it to what is pending
LAZY_DELAY = 0.05  # seconds a write nobody waits for may wait to share a commit
__all__ = ["LAZY_DELAY", "HealthCallback", "StoreWriter", "log_failure", "one_line", "replay_spool"]


class StoreWriter:
    def __init__(
        self,
        store: Store,
        on_health: HealthCallback | None = None,
        retry_interval: float = 1.0,
    ) -> None:
        self.store = store
        self.on_health = on_health
        self.retry_interval = retry_interval
        self.healthy = True
        self.last_error = ""
        # told on this thread after each commit what it held (a window learns that its reads
        # will see the runs, and what finishing them decided, without flushing the writer)
        self.on_commit: CommitCallback | None = None
        self._jobs: deque[Job] = deque()
        self._batches = OpBatches(self._set_health, self._committed)
        self._journal = journal.Journal(store.spool_dir)
        self._cond = threading.Condition()
        self._urgent = False  # a job in _jobs that someone may wait for
        self._lazy_since: float | None = None  # when the oldest lazy job came
        self._stopping = False
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.Thread(target=self._loop, name="taskrun-writer", daemon=True)
        self._thread.start()

    # -- public -------------------------------------------------------------------------------
    def submit(self, work: RunEvent | Callable[[], Any], lazy: bool = False) -> Future[Any]:
        """Queue a write. `lazy`: nobody waits for it, so it may wait up to LAZY_DELAY to be
        committed together with others (a thousand short runs: not a commit each). A run
        event is in the journal when this returns; a callable runs in a transaction of its
        own, in order with the events around it."""
        job = Job(work, Future())
        with self._cond:
            if self._stopping:
                raise RuntimeError("writer is closed")
            if not callable(work):
                try:
                    self._journal.append([work])
                except ValueError as exc:  # not a run event: refused, the writer goes on
                    job.future.set_exception(exc)
                    return job.future
            self._jobs.append(job)
            self._idle.clear()
            if not lazy:
                self._urgent = True
                self._cond.notify()
            elif self._lazy_since is None:
                self._lazy_since = time.monotonic()
                self._cond.notify()  # the writer sleeps without a deadline until now
        return job.future

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything submitted so far is written; False when it could not be."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._urgent = True  # lazy writes too: now
            self._cond.notify()
        while time.monotonic() < deadline:
            if self._idle.wait(0.05) and not self._batches.pending:
                return True
            if self._batches.pending and not self._jobs and not self.healthy:
                return False
        return False

    @property
    def journaled(self) -> bool:
        return not self._journal.failed

    @property
    def pending_count(self) -> int:
        return len(self._batches.pending)

    def close(self, timeout: float = 5.0) -> None:
        """Write what can be written, leave the rest for the next process, stop the thread.
        The thread closes the journal as it ends, keeping it when anything is uncommitted;
        one still busy after `timeout` (a slow callable, a locked store) keeps it open and
        flocked, so the events queued behind it stay there for the next process."""
        self.flush(timeout)
        with self._cond:
            self._stopping = True
            self._cond.notify()
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("the history writer is still busy: its journal stays for the next process")

    # -- thread ----------------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and not self._batches.pending and not self._due():
                    if not self._jobs:
                        self._idle.set()
                    self._cond.wait(self._lazy_wait())
                if self._stopping and not self._jobs:
                    break
                jobs = list(self._jobs)
                self._jobs.clear()
                self._urgent = False
                self._lazy_since = None
            for job in jobs:
                if not callable(job.work):
                    self._batches.add(job)
                else:
                    self._batches.drain()  # keep the order of writes around a callable
                    self._run_callable(job)
                    self._batches.cache.clear()  # it may have changed what the cache holds
            self._batches.drain()
            with self._cond:
                if self._batches.pending:
                    if not self._jobs and not self._stopping:
                        self._cond.wait(self.retry_interval)
                elif not self._jobs:
                    self._journal.clear()  # everything it holds is committed
                    self._idle.set()  # under the lock: a submit in between clears it again
                elif self._journal.size > COMPACT_AT:  # never empty under steady load
                    self._journal.rewrite([j.work for j in self._jobs if not callable(j.work)])
        self._close_journal()
        self.store.db.close()  # this thread's connection

    def _close_journal(self) -> None:
        """On this thread as it ends (nothing can be submitted any more): what the store did
        not take stays in the journal, or in a spool file when the journal lost some."""
        left = self._batches.pending_events()
        if left and self._journal.failed and not journal.spool(self.store.spool_dir, left):
            log.error("%d run record(s) could not be kept: the disk refused them", len(left))
        self._journal.close(keep=bool(left))

    def _due(self) -> bool:
        """Jobs to write now: an urgent one, or lazy ones that waited long enough."""
        if self._urgent:
            return True
        return self._lazy_since is not None and time.monotonic() - self._lazy_since >= LAZY_DELAY

    def _lazy_wait(self) -> float | None:
        if self._lazy_since is None:
            return None
        return max(0.0, self._lazy_since + LAZY_DELAY - time.monotonic())

    def _run_callable(self, job: Job) -> None:
        fn = job.work
        assert callable(fn)
        try:
            with self.store.write_transaction():
                result = fn()
        except Exception as exc:
            job.future.set_exception(exc)
            if isinstance(exc, OperationalError):
                self._set_health(False, str(exc))
        else:
            job.future.set_result(result)

    def _committed(self, done: list[tuple[RunEvent, Any]]) -> None:
        if self.on_commit is not None:
            self.on_commit(done)

    def _set_health(self, ok: bool, message: str) -> None:
        if ok == self.healthy:
            return
        self.healthy = ok
        self.last_error = one_line(message)
        if self.on_health is not None:
            try:
                self.on_health(ok, self.last_error)
            except Exception:
                log.exception("health callback failed")


def one_line(message: str) -> str:
    """The first line of a store's error (libpq's run to three, with hints), for a notice
    that is told in one line."""
    return next((line.strip() for line in message.splitlines() if line.strip()), message)


def replay_spool(store: Store) -> int:
    """Write the records that earlier processes left (a crashed writer's journal, or writes
    the store refused until they closed), on this thread; returns how many are still not
    written (kept in the spool for the next process). Cheap when there is nothing. The files
    claimed stay until what they hold is committed or spooled again: interrupted (Ctrl-C, an
    error, a kill) they are left for the next process, never lost."""
    if not store.writable:
        return 0
    taken = spool_claims.claim(store.spool_dir)
    try:
        batches = OpBatches()
        for event in taken.events:
            batches.add(Job(event, Future()))
        batches.drain()
        left = batches.pending_events()
        if left and not journal.spool(store.spool_dir, left):
            log.error("%d run record(s) are kept where they were: the disk refused them", len(left))
            taken.release()
            return len(left)
    except BaseException:
        taken.release()
        raise
    taken.done()
    return len(left)


def log_failure(logger: logging.Logger, exc: BaseException, what: str, *args: object) -> None:
    """A background job that failed: the store refusing (the server away, a lock) is told
    once by the writer's health notice, so here it is a debug line; anything else is ours
    and logged with its traceback."""
    if store_refused(exc):
        logger.debug(what + ": %s", *args, exc)
    else:
        logger.error(what, *args, exc_info=exc)
