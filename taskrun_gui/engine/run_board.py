"""The host's runs that are not over yet: the queue, the active runs and their task slots.

Shared by the host's home thread and the workers (a worker whose run ends starts the next ready
run itself), so every method takes the board's lock; `start` is called under it, a task's
slot is taken outside it (see start_ready)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from taskrun_gui.core.models import OverlapPolicy, RunRecord, TaskSpec, Trigger
from taskrun_gui.core.timefmt import now_ms
from taskrun_gui.engine.run_queue import RunQueue
from taskrun_gui.engine.runner import RunJob
from taskrun_gui.engine.task_limits import TaskLimits
from taskrun_gui.storage.backend import SlotLock, Slots

# a run whose slot another process or node holds is tried again this often (that slot's end is
# not seen here: a server-side lock, or a file lock, tells nobody when it frees)
SLOT_RETRY_MS = 250


@dataclass
class Active:
    job: RunJob
    lock: SlotLock
    record: RunRecord  # as last reported
    ended: bool = False  # its worker is done and its slot free; not reported yet


def _batch_full(rec: RunRecord, live: list[Active]) -> bool:
    """A run of a `run --on --parallel N` batch waits while N of its batch run (this host's
    count: a batch is queued by one invocation and served by one host)."""
    if rec.batch is None or not rec.batch_limit:
        return False
    return sum(1 for a in live if a.record.batch == rec.batch) >= rec.batch_limit


@dataclass
class _Pass:
    """What one start_ready pass has seen: the runs looked at, the (task, host) pairs with
    no free slot, the runs started, and when the next pass is due."""

    now: int
    passed: set[str] = field(default_factory=set)
    full: set[tuple[int, str | None]] = field(default_factory=set)
    started: list[RunJob] = field(default_factory=list)
    next_due: int | None = None

    def due(self, at: int) -> None:
        self.next_due = at if self.next_due is None else min(self.next_due, at)


class RunBoard:
    def __init__(self, slots: Slots) -> None:
        """`slots`: the task slots of the store's backend (per-task limits across processes)."""
        self._lock = threading.Lock()
        self._pass = threading.Lock()  # start_ready passes take turns (see there)
        self._queue = RunQueue()
        self._active: dict[str, Active] = {}
        self._slots = slots
        # a queued run not to start now (a shared history's claim this host may have lost)
        self.hold: Callable[[RunRecord], bool] | None = None
        self.limits = TaskLimits()  # the tasks' max_concurrent now, not as queued
        self._paused = False
        self._closing = False
        self._opened = False  # starts nothing until its host serves (see open)
        self._dirty = False  # the queue changed since take_dirty()

    # -- views ------------------------------------------------------------------------------
    def queued(self) -> list[RunRecord]:
        with self._lock:
            return self._queue.records()

    def uids(self) -> set[str]:
        """Runs queued or active (an ended run counts until it is reported)."""
        with self._lock:
            return self._queue.uids() | set(self._active)

    def load(self) -> int:
        """Runs queued or going (an ended run no longer counts: its worker is free)."""
        with self._lock:
            return len(self._queue) + sum(not a.ended for a in self._active.values())

    def running(self) -> list[RunRecord]:
        with self._lock:
            return [a.record for a in self._active.values()]

    def busy(self) -> bool:
        with self._lock:
            return bool(self._queue or self._active)

    def active_job(self, uid: str) -> RunJob | None:
        with self._lock:
            active = self._active.get(uid)
        return None if active is None else active.job

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def closing(self) -> bool:
        return self._closing

    # -- changes from the service's thread --------------------------------------------------
    def add(self, job: RunJob) -> None:
        with self._lock:
            self._queue.add(job)
            self._dirty = True

    def move(self, uid: str, index: int) -> bool:
        with self._lock:
            return self._queue.move(uid, index)

    def cancel_target(self, uid: str) -> tuple[RunJob | None, RunJob | None]:
        """(the active run's job, or the job taken out of the queue); both None: not here."""
        with self._lock:
            active = self._active.get(uid)
            if active is not None:
                return active.job, None
            return None, self._queue.remove(uid)

    def open(self) -> None:
        """Its host serves now: runs may start. Until then they wait (a window's engine is
        there before its claim of the data dir is done, and may turn out to be a follower)."""
        with self._lock:
            self._opened = True

    def set_paused(self, paused: bool) -> None:
        with self._lock:  # a worker starting the next run sees it at once
            self._paused = paused

    def note_state(self, rec: RunRecord) -> None:
        with self._lock:
            active = self._active.get(rec.uid)
            if active is not None:
                active.record = rec

    def reported(self, uid: str) -> None:
        """The end of the run has been reported: it is off the board."""
        with self._lock:
            self._active.pop(uid, None)

    def take_dirty(self) -> bool:
        with self._lock:
            dirty, self._dirty = self._dirty, False
        return dirty

    def close(self) -> list[RunJob]:
        """Start nothing more; returns the jobs of the runs still going."""
        with self._lock:
            self._closing = True
            return [a.job for a in self._active.values() if not a.ended]

    def release_slots(self) -> None:
        """After the pool is done: free what is still held, close the slot files."""
        with self._lock:
            for active in self._active.values():
                if not active.ended:  # an ended run's slot may be another run's by now
                    active.lock.release()
            self._slots.close()

    # -- from any thread --------------------------------------------------------------------
    def start_ready(self, workers: int, start: Callable[[RunJob], None]) -> tuple[bool, int | None]:
        """Start the queued runs that may run now (a free worker, a free slot of their task,
        no backoff left). Returns whether any started and when the next try is due: a run
        waiting out a backoff, or one whose slot is taken elsewhere (SLOT_RETRY_MS).

        A slot is taken outside the board's lock: on a shared history that is a round trip
        to the server, and the home thread (the window's UI thread) reads the board all the
        time. Passes take turns (two never take a slot for one run); what changed while the
        slot was taken (the run cancelled, the board paused or closing) lets it go again."""
        with self._pass:
            look = _Pass(now_ms())
            while True:
                with self._lock:
                    stopped = self._closing or self._paused or not self._opened
                    job = None if stopped else self._next(workers, look)
                if job is None:
                    return bool(look.started), look.next_due
                rec = job.record
                lock = self._take_slot(rec, self.limits.of(rec.task_id, job.spec.max_concurrent))
                with self._lock:
                    if lock is None:  # taken by another process or node: nothing here tells
                        look.full.add((rec.task_id, rec.host))  # when it frees: look soon
                        look.due(look.now + SLOT_RETRY_MS)
                    elif self._closing or self._paused or self._queue.find(rec.uid) is not job:
                        lock.release()  # cancelled, paused or closing meanwhile
                    else:
                        self._active[rec.uid] = Active(job, lock, rec)
                        self._queue.discard([job])
                        self._dirty = True
                        look.started.append(job)
                        start(job)

    def _next(self, workers: int, look: _Pass) -> RunJob | None:
        """Under the lock: the first queued run that may take a slot now, or None."""
        live = [a for a in self._active.values() if not a.ended]
        if len(live) >= workers:
            return None
        for job in self._queue:
            rec, spec = job.record, job.spec
            if rec.uid in look.passed or (rec.task_id, rec.host) in look.full:
                continue
            look.passed.add(rec.uid)  # each run is looked at once a pass
            if _batch_full(rec, live):
                continue
            if rec.not_before is not None and rec.not_before > look.now:
                look.due(rec.not_before)
                continue
            if self.hold is not None and self.hold(rec):  # asked again soon
                look.due(look.now + SLOT_RETRY_MS)
                continue
            running_here = sum(
                1 for a in live if a.record.task_id == rec.task_id and a.record.host == rec.host
            )
            if running_here and _after_the_running_one(rec, spec):
                continue  # its end starts this one
            # full: this host's next end starts it (the task's limit now, not as queued)
            if running_here >= self.limits.of(rec.task_id, spec.max_concurrent):
                look.full.add((rec.task_id, rec.host))
                continue
            return job
        return None

    def _take_slot(self, rec: RunRecord, max_concurrent: int) -> SlotLock | None:
        """A slot of the run's task (on its host, for a run on another machine)."""
        if rec.host is None:
            return self._slots.acquire(rec.task_id, max_concurrent)
        return self._slots.acquire_on(rec.host, rec.task_id, max_concurrent)

    def end(self, uid: str) -> tuple[Active | None, bool]:
        """A worker's run has ended: free its slot. Returns its entry (it stays on the board,
        busy and running, until reported) and whether other runs are queued or going."""
        with self._lock:
            active = self._active.get(uid)
            if active is not None:
                active.ended = True
                active.lock.release()
            more = bool(self._queue) or any(not a.ended for a in self._active.values())
        return active, more


def _after_the_running_one(rec: RunRecord, spec: TaskSpec) -> bool:
    """A fire of a schedule whose overlap is `queue` waits for the task's run that goes,
    whatever its max_concurrent (it ran beside it, as `allow` does)."""
    return rec.trigger is Trigger.SCHEDULE and spec.schedule.overlap is OverlapPolicy.QUEUE
