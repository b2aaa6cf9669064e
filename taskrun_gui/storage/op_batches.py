"""Applying run events in order, many per transaction (one commit for a burst of runs),
one at a time only to step over a record that is already there or a bad event. Used by
the writer's thread and by the replay of what earlier processes left (journal.py)."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from peewee import DatabaseError, IntegrityError, OperationalError

from taskrun_gui.core.run_events import RunEvent, RunFinished, event_uid
from taskrun_gui.storage import recorder, run_writes

log = logging.getLogger(__name__)
BATCH = 500
CommitCallback = Callable[[list[tuple[RunEvent, Any]]], None]


@dataclass
class Job:
    work: RunEvent | Callable[[], Any]  # a run event, or a callable the writer runs itself
    future: Future[Any]


def store_refused(exc: BaseException) -> bool:
    """The store cannot take writes now (locked, read-only, full, broken): keep the writes
    and retry. Other errors (a record already there, a bad operation) are the write's own."""
    return isinstance(exc, (OperationalError, OSError)) or type(exc) is DatabaseError


class OpBatches:
    def __init__(
        self,
        on_health: Callable[[bool, str], None] = lambda ok, msg: None,
        on_commit: CommitCallback | None = None,
    ) -> None:
        """`on_commit(ops and results)`: after each commit, on this thread (keep it short)."""
        self.pending: deque[Job] = deque()  # oldest first; the store may have refused them
        self.cache = run_writes.WriteCache()
        self._data_version: int | None = None
        self._on_health = on_health
        self._on_commit = on_commit

    def add(self, job: Job) -> None:
        self.pending.append(job)

    def pending_events(self) -> list[RunEvent]:
        return [j.work for j in self.pending if not callable(j.work)]

    def drain(self) -> bool:
        """Write what is pending; False when the store refused (the rest stays pending)."""
        while self.pending:
            batch = list(self.pending)[:BATCH]
            try:
                results = self._write(batch)
            except Exception as exc:
                self.cache.clear()  # it may hold what was rolled back
                if store_refused(exc):
                    self._on_health(False, str(exc))
                    return False
                if not self._one_by_one(len(batch)):
                    return False
                continue
            for job, result in zip(batch, results, strict=True):
                self.pending.popleft()
                job.future.set_result(result)
            self._committed(batch, results)
            self._on_health(True, "")
        return True

    def _committed(self, jobs: list[Job], results: list[Any]) -> None:
        if self._on_commit is None:
            return
        try:
            pairs = zip(jobs, results, strict=True)
            self._on_commit([(j.work, r) for j, r in pairs if not callable(j.work)])
        except Exception:
            log.exception("commit callback failed")

    def _one_by_one(self, n: int) -> bool:
        for _ in range(n):
            job = self.pending[0]
            try:
                (result,) = self._write([job])
            except IntegrityError as exc:  # a replayed record that is already there
                self.cache.clear()
                log.info("skipping a write for run %s: %s", _uid(job.work), exc)
                result = None
            except Exception as exc:
                self.cache.clear()
                if store_refused(exc):
                    self._on_health(False, str(exc))
                    return False
                log.exception("dropping a write that failed: %s", job.work)
                self.pending.popleft()
                job.future.set_exception(exc)
                continue
            self.pending.popleft()
            job.future.set_result(result)
            self._committed([job], [result])
        return True

    def _write(self, jobs: list[Job]) -> list[Any]:
        """Record events in one transaction that takes the write lock first (so the busy
        timeout applies to taking it, not to a deadlock later)."""
        events = [j.work for j in jobs if not callable(j.work)]
        assert len(events) == len(jobs), "callables are run by the writer itself"
        with run_writes.immediate_transaction():
            if any(type(e) is RunFinished for e in events):
                self._check_cache()  # finishes read what the cache holds
            return recorder.apply_all(events, self.cache)

    def _check_cache(self) -> None:
        """In the write transaction: drop the cache when another connection has committed
        since this one last looked (the backend's change counter changes only then; None:
        it cannot tell, so the cache is read again every batch)."""
        version = run_writes.data_version()
        if version is None or version != self._data_version:
            self.cache.clear()
            self._data_version = version
        self.cache.trim()


def _uid(work: RunEvent | Callable[[], Any]) -> str:
    return "?" if callable(work) else event_uid(work)
