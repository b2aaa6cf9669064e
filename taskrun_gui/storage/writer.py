"""The one serialized writer of a store (SQLite has one writer).

Run records are written as data (`WriteOp`), not closures, so when the store refuses them
(read-only, locked, disk full) they are kept in order, retried, and on shutdown spooled to a
file that the next process to open the store replays: tracking never stops execution and never
loses a record."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from peewee import DatabaseError, IntegrityError, OperationalError

from taskrun_gui.storage import run_writes
from taskrun_gui.storage.db import Store

log = logging.getLogger(__name__)

HealthCallback = Callable[[bool, str], None]
LAZY_DELAY = 0.05  # seconds a write nobody waits for may wait to share a commit


@dataclass
class WriteOp:
    kind: str  # one of runs_repo.OPS
    uid: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Job:
    work: WriteOp | Callable[[], Any]
    future: Future[Any]


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
        self._jobs: deque[_Job] = deque()
        self._pending: deque[_Job] = deque()  # run ops the store refused, oldest first
        self._cond = threading.Condition()
        self._urgent = False  # a job in _jobs that someone may wait for
        self._lazy_since: float | None = None  # when the oldest lazy job came
        self._cache = run_writes.WriteCache()
        self._data_version: int | None = None
        self._stopping = False
        self._idle = threading.Event()
        self._idle.set()
        for op in self._claim_spool():
            self._pending.append(_Job(op, Future()))
        if self._pending:
            self._idle.clear()
        self._thread = threading.Thread(target=self._loop, name="taskrun-writer", daemon=True)
        self._thread.start()

    # -- public -------------------------------------------------------------------------------
    def submit(self, work: WriteOp | Callable[[], Any], lazy: bool = False) -> Future[Any]:
        """Queue a write. `lazy`: nobody waits for it, so it may wait up to LAZY_DELAY to be
        committed together with others (a thousand short runs: not a commit each)."""
        job = _Job(work, Future())
        with self._cond:
            if self._stopping:
                raise RuntimeError("writer is closed")
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
            if self._idle.wait(0.05) and not self._pending:
                return True
            if self._pending and not self._jobs and not self.healthy:
                return False
        return False

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    def close(self, timeout: float = 5.0) -> None:
        """Write what can be written, spool the rest to disk, stop the thread."""
        self.flush(timeout)
        with self._cond:
            self._stopping = True
            self._cond.notify()
        self._thread.join(timeout)
        self._spool_pending()

    # -- thread ----------------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and not self._pending and not self._due():
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
                if isinstance(job.work, WriteOp):
                    self._pending.append(job)
                else:
                    self._drain_pending()  # keep the order of writes around a callable
                    self._run_callable(job)
                    self._cache.clear()  # it may have changed what the cache holds
            self._drain_pending()
            with self._cond:
                if self._pending:
                    if not self._jobs and not self._stopping:
                        self._cond.wait(self.retry_interval)
                elif not self._jobs:
                    self._idle.set()  # under the lock: a submit in between clears it again
        self.store.db.close()  # this thread's connection

    def _due(self) -> bool:
        """Jobs to write now: an urgent one, or lazy ones that waited long enough."""
        if self._urgent:
            return True
        return self._lazy_since is not None and time.monotonic() - self._lazy_since >= LAZY_DELAY

    def _lazy_wait(self) -> float | None:
        if self._lazy_since is None:
            return None
        return max(0.0, self._lazy_since + LAZY_DELAY - time.monotonic())

    def _run_callable(self, job: _Job) -> None:
        fn = job.work
        assert callable(fn)
        try:
            with self.store.db.atomic("IMMEDIATE"):
                result = fn()
        except Exception as exc:
            job.future.set_exception(exc)
            if isinstance(exc, OperationalError):
                self._set_health(False, str(exc))
        else:
            job.future.set_result(result)

    def _drain_pending(self) -> None:
        """Write the refused-or-new run ops in order, many per transaction (one commit for a
        burst of runs), one at a time only to step over a record that is already there."""
        while self._pending:
            batch = list(self._pending)[:500]
            try:
                results = self._write(batch)
            except Exception as exc:
                self._cache.clear()  # it may hold what was rolled back
                if _store_refused(exc):
                    self._set_health(False, str(exc))
                    return
                # a record already there (a replay), or a bad operation (a bug): find it
                self._drain_one_by_one(len(batch))
                continue
            for job, result in zip(batch, results, strict=True):
                self._pending.popleft()
                job.future.set_result(result)
            self._set_health(True, "")

    def _drain_one_by_one(self, n: int) -> None:
        for _ in range(n):
            job = self._pending[0]
            try:
                (result,) = self._write([job])
            except IntegrityError as exc:  # a replayed record that is already there
                self._cache.clear()
                log.warning("dropping a write for run %s: %s", getattr(job.work, "uid", "?"), exc)
                result = None
            except Exception as exc:
                self._cache.clear()
                if _store_refused(exc):
                    self._set_health(False, str(exc))
                    return
                log.exception("dropping a write that failed: %s", job.work)
                self._pending.popleft()
                job.future.set_exception(exc)
                continue
            self._pending.popleft()
            job.future.set_result(result)

    def _write(self, jobs: list[_Job]) -> list[Any]:
        """Apply run ops in one transaction that takes the write lock first (so the busy
        timeout applies to taking it, not to a deadlock later)."""
        ops = [j.work for j in jobs if isinstance(j.work, WriteOp)]
        assert len(ops) == len(jobs), "callables are run by _run_callable"
        with run_writes.immediate_transaction():
            if any(op.kind == "finish_run" for op in ops):
                self._check_cache()  # finishes read what the cache holds
            return [run_writes.apply_op(op.kind, op.uid, op.fields, self._cache) for op in ops]

    def _check_cache(self) -> None:
        """In the write transaction: drop the cache when another connection has committed
        since this one last looked (PRAGMA data_version changes only then)."""
        version = run_writes.data_version()
        if version != self._data_version:
            self._cache.clear()
            self._data_version = version
        self._cache.trim()

    def _set_health(self, ok: bool, message: str) -> None:
        if ok == self.healthy:
            return
        self.healthy = ok
        self.last_error = message
        if self.on_health is not None:
            try:
                self.on_health(ok, message)
            except Exception:
                log.exception("health callback failed")

    # -- spool -----------------------------------------------------------------------------
    def _spool_pending(self) -> None:
        ops = [j.work for j in self._pending if isinstance(j.work, WriteOp)]
        if not ops:
            return
        path = self.store.spool_dir / f"{os.getpid()}-{time.time_ns()}.jsonl"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for op in ops:
                fh.write(json.dumps(asdict(op)) + "\n")

    def _claim_spool(self) -> list[WriteOp]:
        ops: list[WriteOp] = []
        for path in sorted(Path(self.store.spool_dir).glob("*.jsonl")):
            claimed = path.with_suffix(f".claimed-{os.getpid()}")
            try:
                os.rename(path, claimed)  # atomic: only one process replays a file
            except OSError:
                continue
            with contextlib.suppress(OSError, ValueError), open(claimed, encoding="utf-8") as fh:
                ops += [WriteOp(**json.loads(line)) for line in fh if line.strip()]
            with contextlib.suppress(OSError):
                os.unlink(claimed)
        return ops


def _store_refused(exc: Exception) -> bool:
    """The store cannot take writes now (locked, read-only, full, broken): keep the writes
    and retry. Other errors (a record already there, a bad operation) are the write's own."""
    return isinstance(exc, (OperationalError, OSError)) or type(exc) is DatabaseError


def replay_spool(store: Store) -> int:
    """Write the records that an earlier process could not (see StoreWriter.close); returns
    how many are still pending. Cheap when there is nothing to replay."""
    if not store.writable or not any(Path(store.spool_dir).glob("*.jsonl")):
        return 0
    writer = StoreWriter(store, retry_interval=0.2)
    writer.flush(5.0)
    left = writer.pending_count
    writer.close(timeout=1.0)
    return left
