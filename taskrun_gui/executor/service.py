"""The executor host of a data dir: a QThreadPool with a global worker limit, a visible
priority queue (never rejects), per-task slots that hold across processes, cancel, pause,
resume, retries; fed by this process and, through the poller, by every other process.

A worker whose run ends starts the next ready run itself (under the service's lock) before it
reports: a burst of short runs does not wait for the UI thread between two runs. Everything
the workers report reaches this object's thread in order, in batches (see RunMailbox)."""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal, Slot

from taskrun_gui.core import params as params_mod
from taskrun_gui.core.models import (
    Control,
    ErrorType,
    OverlapPolicy,
    RunRecord,
    RunStatus,
    TaskSpec,
    Trigger,
)
from taskrun_gui.core.timefmt import now_ms
from taskrun_gui.engine import records
from taskrun_gui.engine.locks import FileLock, TaskSlots
from taskrun_gui.engine.poller import ForeignRun, HostPoller
from taskrun_gui.engine.runner import RunJob, RunResult
from taskrun_gui.engine.scheduler import Fire, Scheduler
from taskrun_gui.executor.run_queue import RunQueue
from taskrun_gui.executor.run_worker import RunMailbox, RunWorker
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.run_writes import record_fields
from taskrun_gui.storage.writer import StoreWriter, WriteOp

log = logging.getLogger(__name__)
MAIL_EVERY = 0.02  # seconds between two takes of the workers' reports (states, output)


@dataclass
class _Active:
    job: RunJob
    lock: FileLock
    record: RunRecord  # as last reported
    ended: bool = False  # its worker is done and its slot free; the service not told yet


class ExecutorService(QObject):
    run_queued = Signal(object)  # RunRecord
    run_state_changed = Signal(object)  # RunRecord (running, paused, final)
    run_output = Signal(str, str, object)  # uid, text, log offset
    run_finished = Signal(object)  # final RunRecord
    queue_changed = Signal()
    store_health_changed = Signal(bool, str)
    idle = Signal()  # nothing queued, waiting for a retry or running

    def __init__(
        self,
        store: Store,
        writer: StoreWriter,
        workers: int | None = None,
        poll_interval: float = 0.5,
        parent: QObject | None = None,
        schedules: bool = True,
        scheduler: Scheduler | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.writer = writer
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max(1, workers or os.cpu_count() or 2))
        # the queue, the active runs and the slots: changed by this thread and by workers
        self._lock = threading.Lock()
        self._queue = RunQueue()
        self._mailbox = RunMailbox(self)
        self._mailbox.arrived.connect(self._on_mail)
        self._slots = TaskSlots(store.locks_dir)
        self._queue_dirty = False
        self._active: dict[str, _Active] = {}
        self._seen: set[str] = set()
        self._paused_queue = False
        self._closing = False
        self._wake = QTimer(self)
        self._wake.setSingleShot(True)
        self._wake.timeout.connect(self._dispatch)
        self._mail_timer = QTimer(self)  # see _on_mail
        self._mail_timer.setSingleShot(True)
        self._mail_timer.timeout.connect(self._take_mail)
        self._mail_taken_at = 0.0
        self._poller = HostPoller(
            store,
            on_queued=self._foreign_queued.emit,
            on_controls=self._controls_seen.emit,
            is_known=self._seen.__contains__,
            interval=poll_interval,
            on_fires=self._schedule_fired.emit if schedules else None,
            write=writer.submit,
            scheduler=scheduler,
        )
        self._schedule_fired.connect(self._on_schedule_fired)
        self._foreign_queued.connect(self._on_foreign_queued)
        self._controls_seen.connect(self._on_controls_seen)
        writer.on_health = self._health.emit
        self._health.connect(self.store_health_changed)

    # private cross-thread signals (emitted by the poller and writer threads)
    _foreign_queued = Signal(object)
    _controls_seen = Signal(object)
    _health = Signal(bool, str)
    _schedule_fired = Signal(object)

    # -- life -------------------------------------------------------------------------------
    def start(self) -> None:
        self._poller.start()

    def shutdown(self, cancel_running: bool = True, timeout: float = 10.0) -> None:
        """Stop taking work; cancel (or let finish) what runs; wait for the pool."""
        with self._lock:
            self._closing = True
            running = list(self._active.values())
        self._wake.stop()
        self._poller.stop()
        if cancel_running:
            for active in running:
                active.job.control.cancel()
        self.pool.waitForDone(int(timeout * 1000))
        with self._lock:
            for active in self._active.values():
                if not active.ended:  # an ended run's slot may be another run's by now
                    active.lock.release()
            self._slots.close()

    @property
    def poll_interval(self) -> float:
        return self._poller.interval

    @property
    def workers(self) -> int:
        return self.pool.maxThreadCount()

    def set_workers(self, n: int) -> None:
        self.pool.setMaxThreadCount(max(1, n))
        self._dispatch()

    def set_queue_paused(self, paused: bool) -> None:
        with self._lock:  # a worker starting the next run sees it at once
            self._paused_queue = paused
        self._dispatch()

    @property
    def queue_paused(self) -> bool:
        return self._paused_queue

    # -- queueing ---------------------------------------------------------------------------
    def enqueue(
        self,
        task_id: int,
        version: int,
        spec: TaskSpec,
        given: dict[str, str] | None = None,
        trigger: Trigger = Trigger.MANUAL,
        repeat: int = 1,
        priority: int | None = None,
    ) -> list[RunRecord]:
        """Queue `repeat` runs; raises params.ParamError for bad parameters. The rows are
        written by the serialized writer; execution does not wait for them."""
        values = params_mod.resolve(spec.params, given or {})
        out = []
        for _ in range(max(1, repeat)):
            rec = records.new_run(
                task_id, version, spec, values, trigger, self.store.logs_dir, priority
            )
            self._accept(RunJob(rec, spec, values))
            self.writer.submit(WriteOp("insert_run", rec.uid, record_fields(rec)), lazy=True)
            out.append(rec)
        self._dispatch()
        return out

    def _accept(self, job: RunJob) -> None:
        """A new run from this process: into the queue (a client sends it to the host)."""
        self._add(job)

    def _add(self, job: RunJob) -> None:
        self._seen.add(job.record.uid)
        with self._lock:
            self._queue.add(job)
            self._queue_dirty = True  # announced once by the _dispatch that follows
        self.run_queued.emit(job.record)

    def queue(self) -> list[RunRecord]:
        with self._lock:
            return self._queue.records()

    def queue_uids(self) -> set[str]:
        """Runs this host has queued or running."""
        with self._lock:
            return self._queue.uids() | set(self._active)

    def running(self) -> list[RunRecord]:
        with self._lock:
            return [a.record for a in self._active.values()]

    def is_busy(self) -> bool:
        with self._lock:
            return bool(self._queue or self._active)

    def move(self, uid: str, new_index: int) -> None:
        """Put a queued run at another place in the queue; that order then stands."""
        with self._lock:
            moved = self._queue.move(uid, new_index)
        if moved:
            self.queue_changed.emit()

    def _active_job(self, uid: str) -> RunJob | None:
        with self._lock:
            active = self._active.get(uid)
        return None if active is None else active.job

    # -- control ----------------------------------------------------------------------------
    def cancel(self, uid: str) -> bool:
        with self._lock:
            active = self._active.get(uid)
            job = None if active is not None else self._queue.remove(uid)
        if active is not None:
            active.job.control.cancel()
            return True
        if job is None:
            return False
        rec = job.record
        finished = now_ms()
        final = replace(
            rec,
            status=RunStatus.CANCELLED,
            finished_at=finished,
            error_type=ErrorType.CANCELLED,
            error_message="cancelled while queued",
        )
        self.writer.submit(
            WriteOp(
                "finish_run",
                uid,
                {
                    "status": str(RunStatus.CANCELLED),
                    "finished_at": finished,
                    "error_type": str(ErrorType.CANCELLED),
                    "error_message": final.error_message,
                    "control": None,
                },
            )
        )
        records.drop_secret_values(self.store.secrets_dir, uid)
        self.queue_changed.emit()
        self.run_state_changed.emit(final)
        self.run_finished.emit(final)
        self._check_idle()
        return True

    def pause(self, uid: str) -> bool:
        job = self._active_job(uid)
        if job is not None:
            job.control.pause()
        return job is not None

    def resume(self, uid: str) -> bool:
        job = self._active_job(uid)
        if job is not None:
            job.control.resume()
        return job is not None

    # -- dispatch ---------------------------------------------------------------------------
    @Slot()
    def _dispatch(self) -> None:
        """Start what may start; wake up again when a run waiting out its backoff is due."""
        if self._paused_queue:
            self._announce_queue(False)
            return
        with self._lock:
            try:
                started, next_due = self._start_ready()
            except Exception:  # e.g. no file descriptor left for a slot: try again soon
                log.exception("could not start queued runs")
                started, next_due = True, now_ms() + 1000
        if next_due is not None:
            self._wake.start(max(10, next_due - now_ms()))
        self._announce_queue(started)

    def _start_ready(self) -> tuple[bool, int | None]:
        """Under the lock, on any thread: start the queued runs that may run now (a free
        worker, a free slot of their task, no backoff left). Returns whether any started and
        when the next run waiting out a backoff is due."""
        if self._closing or self._paused_queue:
            return False, None
        now = now_ms()
        next_due: int | None = None
        full: set[int] = set()  # tasks with no free slot in this pass
        started: list[RunJob] = []
        live = [a for a in self._active.values() if not a.ended]
        free = self.pool.maxThreadCount() - len(live)
        try:
            for job in self._queue:
                if free <= 0:
                    break
                rec, spec = job.record, job.spec
                if rec.task_id in full:
                    continue
                if rec.not_before is not None and rec.not_before > now:
                    next_due = min(next_due or rec.not_before, rec.not_before)
                    continue
                running_here = sum(1 for a in live if a.record.task_id == rec.task_id)
                lock = None
                if running_here < spec.max_concurrent:
                    lock = self._slots.acquire(rec.task_id, spec.max_concurrent)
                if lock is None:
                    full.add(rec.task_id)  # every slot is taken, here or in another process
                    continue
                active = self._active[rec.uid] = _Active(job, lock, rec)
                live.append(active)
                free -= 1
                started.append(job)
                worker = RunWorker(job, self.store, self.writer, self._mailbox, self._run_ended)
                self.pool.start(worker)
        finally:  # whatever happens, a run started is not also still queued
            if started:
                self._queue.discard(started)
                self._queue_dirty = True
        return bool(started), next_due

    def _run_ended(self, result: RunResult) -> None:
        """On the worker's thread, as its run ends: free its slot, start the next run, report.
        The report is urgent when nothing runs any more (someone may be waiting for idle);
        in a burst it waits to be taken with the others."""
        with self._lock:
            active = self._active.get(result.record.uid)
            if active is not None:
                active.ended = True  # it stays in _active (busy, running) until reported
                active.lock.release()
            more = bool(self._queue) or any(not a.ended for a in self._active.values())
        try:
            if active is not None and active.job.spec.secret_names():
                records.drop_secret_values(self.store.secrets_dir, result.record.uid)
        finally:  # reported before the next run starts: the UI sees runs end in order
            self._mailbox.post(("done", result, active), urgent=not more)
        with self._lock:
            try:
                self._start_ready()
            except Exception:  # the service's own dispatch tries again when it is told
                log.exception("could not start the next run")

    def _announce_queue(self, changed: bool) -> None:
        """One queue_changed per change, not one per run of a burst of a thousand."""
        with self._lock:
            dirty, self._queue_dirty = self._queue_dirty, False
        if changed or dirty:
            self.queue_changed.emit()

    @Slot()
    def _on_mail(self) -> None:
        """Take what workers reported, at most every MAIL_EVERY seconds: a burst of short
        runs wakes this thread a few times a second, not three times a run."""
        wait = self._mail_taken_at + MAIL_EVERY - time.monotonic()
        if self._mailbox.urgent:
            self._mail_timer.stop()
            self._take_mail()
        elif self._mail_timer.isActive():
            return
        elif wait > 0:
            self._mail_timer.start(max(1, round(wait * 1000)))
        else:
            self._take_mail()

    @Slot()
    def _take_mail(self) -> None:
        self._mail_taken_at = time.monotonic()
        ended = False
        for event in self._mailbox.take():
            kind = event[0]
            if kind == "output":
                self.run_output.emit(event[1], event[2], event[3])
            elif kind == "state":
                self._on_run_state(event[1])
            else:
                self._on_run_done(event[1], event[2])
                ended = True
        if ended:
            self._dispatch()
            self._check_idle()

    def _on_run_state(self, rec: RunRecord) -> None:
        with self._lock:
            active = self._active.get(rec.uid)
            if active is not None:
                active.record = rec
        self.run_state_changed.emit(rec)

    def _on_run_done(self, result: RunResult, active: _Active | None) -> None:
        rec, retry = result.record, result.retry
        with self._lock:
            self._active.pop(rec.uid, None)
        if (
            retry is not None
            and active is not None
            and not self._closing
            and retry.uid not in self._seen  # the poller may have found its row first
        ):
            self._add(RunJob(retry, active.job.spec, active.job.values))
        self.run_state_changed.emit(rec)
        self.run_finished.emit(rec)

    def _check_idle(self) -> None:
        if not self.is_busy():
            self.idle.emit()

    # -- from other processes ---------------------------------------------------------------
    @Slot(object)
    def _on_foreign_queued(self, runs: list[ForeignRun]) -> None:
        for fr in runs:
            if fr.record.uid in self._seen:
                continue
            self._add(RunJob(fr.record, fr.spec, fr.values))
        self._dispatch()

    @Slot(object)
    def _on_controls_seen(self, recs: list[RunRecord]) -> None:
        for rec in recs:
            handled = False
            if rec.control is Control.CANCEL:
                handled = self.cancel(rec.uid)
            elif rec.control is Control.PAUSE:
                handled = self.pause(rec.uid)
            elif rec.control is Control.RESUME:
                handled = self.resume(rec.uid)
            if not handled or rec.control is not Control.CANCEL:
                # a request for a run this host does not hold, or one now being acted on
                self.writer.submit(WriteOp("update_run", rec.uid, {"control": None}))

    @Slot(object)
    def _on_schedule_fired(self, fires: list[Fire]) -> None:
        """Start the due scheduled runs, following each task's overlap policy."""
        for fire in fires:
            task, policy = fire.task, fire.task.spec.schedule.overlap
            busy = any(r.task_id == task.id for r in (*self.queue(), *self.running()))
            if busy and policy is OverlapPolicy.SKIP:
                log.info("schedule of %s skipped: a run is still going", task.name)
                continue
            try:
                self.enqueue(task.id, task.version, task.spec, {}, Trigger.SCHEDULE)
            except params_mod.ParamError as exc:
                log.warning("schedule of %s cannot run: %s", task.name, exc)
