"""The executor host of a data dir: a QThreadPool with a global worker limit, a visible
priority queue (never rejects), per-task slots that hold across processes, cancel, pause,
resume, retries; fed by this process and, through the poller, by every other process.

A worker whose run ends starts the next ready run itself (under the service's lock) before it
reports: a burst of short runs does not wait for the UI thread between two runs. Everything
the workers report reaches this object's thread in order, in batches (see RunMailbox)."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import replace

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
from taskrun_gui.engine.poller import ForeignRun, HostPoller
from taskrun_gui.engine.runner import RunJob, RunResult
from taskrun_gui.engine.scheduler import Fire, Scheduler
from taskrun_gui.executor.run_board import Active, RunBoard
from taskrun_gui.executor.run_worker import RunMailbox, RunWorker
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.run_writes import record_fields
from taskrun_gui.storage.writer import StoreWriter, WriteOp

log = logging.getLogger(__name__)
MAIL_EVERY = 0.02  # seconds between two takes of the workers' reports (states, output)


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
        self._board = RunBoard(store.locks_dir)  # shared with the workers
        self._mailbox = RunMailbox(self)
        self._mailbox.arrived.connect(self._on_mail)
        self._seen: set[str] = set()
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
        running = self._board.close()
        self._wake.stop()
        self._poller.stop()
        if cancel_running:
            for job in running:
                job.control.cancel()
        self.pool.waitForDone(int(timeout * 1000))
        self._board.release_slots()

    @property
    def poll_interval(self) -> float:
        return self._poller.interval

    def poll_mark(self) -> int:
        """A mark for `handed_over_since`; asks the poller to look at the queue now."""
        self._poller.wake()
        return self._poller.passes

    def handed_over_since(self, mark: int) -> bool:
        """Every run others queued before `mark` was taken was handed to this host (two whole
        looks at the queue since found nothing new)."""
        self._poller.wake()
        return self._poller.quiet_since(mark)

    @property
    def workers(self) -> int:
        return self.pool.maxThreadCount()

    def set_workers(self, n: int) -> None:
        self.pool.setMaxThreadCount(max(1, n))
        self._dispatch()

    def set_queue_paused(self, paused: bool) -> None:
        self._board.set_paused(paused)
        self._dispatch()

    @property
    def queue_paused(self) -> bool:
        return self._board.paused

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
        self._board.add(job)  # announced once by the _dispatch that follows
        self.run_queued.emit(job.record)

    def queue(self) -> list[RunRecord]:
        return self._board.queued()

    def queue_uids(self) -> set[str]:
        """Runs this host has queued or running."""
        return self._board.uids()

    def running(self) -> list[RunRecord]:
        return self._board.running()

    def is_busy(self) -> bool:
        return self._board.busy()

    def move(self, uid: str, new_index: int) -> None:
        """Put a queued run at another place in the queue; that order then stands."""
        if self._board.move(uid, new_index):
            self.queue_changed.emit()

    # -- control ----------------------------------------------------------------------------
    def cancel(self, uid: str) -> bool:
        running, job = self._board.cancel_target(uid)
        if running is not None:
            running.control.cancel()
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
        job = self._board.active_job(uid)
        if job is not None:
            job.control.pause()
        return job is not None

    def resume(self, uid: str) -> bool:
        job = self._board.active_job(uid)
        if job is not None:
            job.control.resume()
        return job is not None

    # -- dispatch ---------------------------------------------------------------------------
    @Slot()
    def _dispatch(self) -> None:
        """Start what may start; wake up again when a run waiting out its backoff is due."""
        if self._board.paused:
            self._announce_queue(False)
            return
        try:
            started, next_due = self._start_ready()
        except Exception:  # e.g. no file descriptor left for a slot: try again soon
            log.exception("could not start queued runs")
            started, next_due = True, now_ms() + 1000
        if next_due is not None:
            self._wake.start(max(10, next_due - now_ms()))
        self._announce_queue(started)

    def _start_ready(self) -> tuple[bool, int | None]:
        """On any thread: start the queued runs that may run now (see RunBoard)."""
        return self._board.start_ready(self.pool.maxThreadCount(), self._start)

    def _start(self, job: RunJob) -> None:
        self.pool.start(RunWorker(job, self.store, self.writer, self._mailbox, self._run_ended))

    def _run_ended(self, result: RunResult) -> None:
        """On the worker's thread, as its run ends: free its slot, report, start the next
        run. The report is urgent when nothing else is queued or going (someone may be
        waiting for idle); in a burst it waits to be taken with the others."""
        active, more = self._board.end(result.record.uid)
        try:
            if active is not None and active.job.spec.secret_names():
                records.drop_secret_values(self.store.secrets_dir, result.record.uid)
        finally:  # reported before the next run starts: the UI sees runs end in order
            self._mailbox.post(("done", result, active), urgent=not more)
        try:
            self._start_ready()
        except Exception:  # the service's own dispatch tries again when it is told
            log.exception("could not start the next run")

    def _announce_queue(self, changed: bool) -> None:
        """One queue_changed per change, not one per run of a burst of a thousand."""
        if self._board.take_dirty() or changed:
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
        self._board.note_state(rec)
        self.run_state_changed.emit(rec)

    def _on_run_done(self, result: RunResult, active: Active | None) -> None:
        rec, retry = result.record, result.retry
        self._board.reported(rec.uid)
        if (
            retry is not None
            and active is not None
            and not self._board.closing
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
