"""The executor host of a data dir, with no Qt: a global worker limit, a visible priority queue
(never rejects), per-task slots that hold across processes, cancel, pause, resume, retries, the
schedules' overlap policy; fed by this process and, through the poller, by every other one.

Its state lives on one home thread (the window's UI thread, the daemon's main thread), which a
`HomeLoop` brings the host's mail to. A run executes on a `RunPool` thread; as it ends, that
thread starts the next ready run itself (under the board's lock) before it reports: a burst of
short runs does not wait for the home thread between two runs. What the workers, the poller and
the writer report reaches the home thread in order, in batches (see Mailbox), and leaves as
typed events (host_events) through one sink."""

from __future__ import annotations

import functools
import logging
from dataclasses import replace

from taskrun_gui.core import params as params_mod
from taskrun_gui.core import run_events
from taskrun_gui.core.models import ErrorType, RunRecord, RunStatus, TaskSpec, Trigger
from taskrun_gui.core.timefmt import now_ms
from taskrun_gui.engine import host_requests, log_ship, records
from taskrun_gui.engine.dispatcher import Dispatcher
from taskrun_gui.engine.host_alerts import HostAlerts
from taskrun_gui.engine.host_events import (
    EventSink,
    HostIdle,
    QueueChanged,
    RetentionApplied,
    RunFinished,
    RunOutput,
    RunQueued,
    RunStateChanged,
    StoreHealth,
    SuccessRateAlert,
)
from taskrun_gui.engine.mailbox import Event, Mailbox
from taskrun_gui.engine.notify_service import Chained
from taskrun_gui.engine.poller import ForeignRun, HostPoller
from taskrun_gui.engine.pools import HomeLoop, RunPool
from taskrun_gui.engine.queueing import for_another_node, new_jobs, queued_event
from taskrun_gui.engine.remote import close_connections
from taskrun_gui.engine.retention_keeper import RetentionKeeper
from taskrun_gui.engine.run_board import Active, RunBoard
from taskrun_gui.engine.run_watchdog import RunWatchdog
from taskrun_gui.engine.runner import RunHooks, RunJob, RunResult, execute_run
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import StoreWriter

log = logging.getLogger(__name__)


class EngineHost:
    def __init__(
        self,
        store: Store,
        writer: StoreWriter,
        pool: RunPool,
        loop: HomeLoop,
        sink: EventSink,
        poll_interval: float = 0.5,
        schedules: bool = True,
        alerts: bool = True,
        notify: bool = True,
    ) -> None:
        """`schedules`: fire scheduled tasks (a host started only for CLI work does not).
        `alerts`: judge finished runs for the success-rate alert (a window does it itself,
        also for the runs of a daemon it follows). `notify`: the channels, chains, late
        tasks and digest of the data dir (engine.notify_service)."""
        self.store = store
        self.writer = writer
        self.pool = pool
        self._loop = loop
        self._sink = sink
        slots = store.backend.task_slots(store.db, store.locks_dir)
        self._board = RunBoard(slots)  # shared with the workers
        self.mailbox = Mailbox(loop.mail_arrived)
        self._seen: set[str] = set()
        post = self.mailbox.post
        self._poller = HostPoller(
            store,
            on_queued=lambda runs: post(("foreign", runs), urgent=True),
            on_controls=lambda recs: post(("controls", recs)),
            is_known=self._seen.__contains__,
            interval=poll_interval,
            on_fires=(lambda fires: post(("fires", fires))) if schedules else None,
            write=writer.submit,
            free_slots=lambda: self.pool.max_workers - self._board.load(),
            held=self._board.uids,
            on_lost=lambda uids: post(("lost", uids), urgent=True),
            on_tasks=lambda tasks: self._board.limits.seen(tasks) and post(("limits",)),
        )
        self._board.hold = self._poller.may_have_lost
        self._watchdog = RunWatchdog(store.tmp_dir, enabled=store.url is not None)
        writer.on_health = lambda ok, message: post(("health", ok, message), urgent=True)
        self._retention = RetentionKeeper(
            store, writer, lambda result, error: post(("retention", result, error))
        )
        on_alert = (lambda raised: post(("alert", raised))) if alerts else None
        self._alerts = HostAlerts(store, on_alert, self._chained if notify else None, writer.flush)
        shared = store.url is not None  # slots are round trips to the server: off the home
        self._dispatcher = Dispatcher(self._start_ready, post) if shared else None

    # -- life -------------------------------------------------------------------------------
    def start(self) -> None:
        """Serve. Not a store opened read-only (a run there is never recorded, so every launch
        would run it again): that is told once, and nothing starts."""
        if self.store.read_only:
            why = self.store.open_error or "the history store is read-only"
            self._sink(StoreHealth(False, f"{why}; queued runs are not started"))
            return
        self._board.open()  # and what was queued before it served starts now (see dispatch)
        if self._dispatcher is not None:
            self._dispatcher.start()
        self._poller.start()
        self._retention.start()
        self._alerts.start()
        self.dispatch()

    def shutdown(
        self, cancel_running: bool = True, timeout: float = 10.0, with_alerts: bool = True
    ) -> None:
        """Stop taking work; cancel (or let finish) what runs; wait for the pool; tell the
        last alerts `with_alerts` (else `stop_alerts`, once the last runs' ends are in)."""
        running = self._board.close()
        self._loop.dispatch_in(None)
        if self._dispatcher is not None:
            self._dispatcher.stop()
        self._poller.stop()
        self._retention.stop()
        if cancel_running:
            for job in running:
                job.control.cancel()
        self.pool.wait(timeout)
        log_ship.stop_shipping(self.store)
        self._watchdog.close()
        close_connections()  # runs on other machines: their pooled SSH connections
        self._board.release_slots()
        if with_alerts:
            self.stop_alerts(timeout)

    def stop_alerts(self, timeout: float = 10.0) -> None:
        """After `shutdown` and the last runs' ends: their alerts, then the alert threads."""
        self._alerts.stop(timeout)

    def poll_mark(self) -> int:
        """A mark for `handed_over_since`; asks the poller to look at the queue now."""
        self._poller.wake()
        return self._poller.passes

    def handed_over_since(self, mark: int) -> bool:
        """Every run others queued before `mark` was taken was handed to this host (two whole
        looks at the queue since found nothing new)."""
        self._poller.wake()
        return self._poller.quiet_since(mark)

    def found_since(self, mark: int) -> bool:
        """A look after `mark` found others' runs (or ones it could not claim yet)."""
        return self._poller.found_at_pass > mark

    @property
    def workers(self) -> int:
        return self.pool.max_workers

    def set_workers(self, n: int) -> None:
        self.pool.set_max_workers(max(1, n))
        self.dispatch()

    def set_queue_paused(self, paused: bool) -> None:
        self._board.set_paused(paused)
        self.dispatch()

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
        hosts: list[str] | None = None,
        parallel: int | None = None,
    ) -> list[RunRecord]:
        """Queue `repeat` runs; raises params.ParamError for bad parameters. The rows are
        written by the serialized writer; execution does not wait for them."""
        jobs = new_jobs(
            self.store, task_id, version, spec, given, trigger, repeat, priority, hosts, parallel
        )
        for job in jobs:
            self._add(job)
            self.writer.submit(queued_event(job.record), lazy=True)
        self.dispatch()
        return [job.record for job in jobs]

    def _add(self, job: RunJob) -> None:
        self._seen.add(job.record.uid)
        if not for_another_node(job.record):  # that node's host takes it from the store
            self._board.add(job)  # announced once by the dispatch that follows
        self._sink(RunQueued(job.record))

    def _chained(self, chained: Chained) -> None:
        """On the notify thread: a chain's run queued (its row now), then adopted at home."""
        self.mailbox.post(("chain", host_requests.chained_jobs(self, chained)))

    def adopt(self, job: RunJob) -> None:
        """A run whose row was queued elsewhere on this host (a chain's): onto the board."""
        if job.record.uid not in self._seen:
            self._add(job)

    def queue(self) -> list[RunRecord]:
        return self._board.queued()

    def queue_uids(self) -> set[str]:
        """Runs this host has queued or running."""
        return self._board.uids()

    def running(self) -> list[RunRecord]:
        return self._board.running()

    def shown_secrets(self, uid: str) -> list[str] | None:
        """Off the UI thread (it may read the store): see RunExecutor."""
        job = self._board.active_job(uid)
        if job is not None:
            return params_mod.secret_values(job.spec.params, job.values)
        return records.stored_run_secrets(uid, self.store.secrets_dir)

    def is_busy(self) -> bool:
        return self._board.busy()

    def move(self, uid: str, new_index: int) -> None:
        """Put a queued run at another place in the queue; that order then stands."""
        if self._board.move(uid, new_index):
            self._sink(QueueChanged())

    # -- control ----------------------------------------------------------------------------
    def cancel(self, uid: str) -> bool:
        running, job = self._board.cancel_target(uid)
        if running is not None:
            running.control.cancel()
            return True
        if job is None:
            return False
        final = replace(
            job.record,
            status=RunStatus.CANCELLED,
            finished_at=now_ms(),
            error_type=ErrorType.CANCELLED,
            error_message="cancelled while queued",
        )
        self.writer.submit(run_events.RunFinished.of(final))
        records.drop_secret_values(self.store.secrets_dir, uid)
        self._sink(QueueChanged())
        self._sink(RunStateChanged(final))
        self._sink(RunFinished(final))
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
    def dispatch(self) -> None:
        """Start what may start (on a shared history on the dispatcher's thread: no slot round
        trip on the home thread); wake up again when a run waiting out its backoff is due."""
        if self._board.paused:
            self._announce_queue(False)
        elif self._dispatcher is not None:
            self._dispatcher.request()  # it posts ("dispatched", ...) home
        else:
            try:
                started, next_due = self._start_ready()
            except Exception:  # e.g. no file descriptor left for a slot: try again soon
                log.exception("could not start queued runs")
                started, next_due = True, now_ms() + 1000
            self._dispatched(started, next_due)

    def _dispatched(self, started: bool, next_due: int | None) -> None:
        if next_due is not None:
            self._loop.dispatch_in(max(10, next_due - now_ms()) / 1000)
        self._announce_queue(started)

    def _start_ready(self) -> tuple[bool, int | None]:
        """On any thread: start the queued runs that may run now (see RunBoard)."""
        if self.store.read_only:
            return False, None
        return self._board.start_ready(self.pool.max_workers, self._start)

    def _start(self, job: RunJob) -> None:
        self.pool.start(functools.partial(self._execute, job))

    def _execute(self, job: RunJob) -> None:
        """On a pool thread: the run, then what follows its end."""
        uid = job.record.uid
        post = self.mailbox.post
        hooks = RunHooks(
            on_state=self._watchdog.watching(lambda rec: post(("state", rec))),
            on_output=lambda text, offset: post(("output", uid, text, offset)),
            task_gone=self._board.limits.gone,
        )
        try:
            with log_ship.shipping(self.store, job.record, self.writer) as recorder:
                result = execute_run(job, self.store, recorder, hooks)
        except Exception as exc:  # execute_run records its own failures; this is the last guard
            log.exception("worker for run %s crashed", uid)
            result = RunResult(host_requests.internal_finish(self.writer, job.record, exc))
        self._watchdog.forget(uid)
        self._run_ended(result)

    def _run_ended(self, result: RunResult) -> None:
        """On the worker's thread, as its run ends: free its slot, report, start the next
        run. The report is urgent when nothing else is queued or going (someone may be
        waiting for idle); in a burst it waits to be taken with the others."""
        active, more = self._board.end(result.record.uid)
        try:
            if active is not None and active.job.spec.secret_names():
                records.drop_secret_values(self.store.secrets_dir, result.record.uid)
        finally:  # reported before the next run starts: the UI sees runs end in order
            self.mailbox.post(("done", result, active), urgent=not more)
        try:
            self._start_ready()
        except Exception:  # the home thread's dispatch tries again when it is told
            log.exception("could not start the next run")
        self._poller.room_made()

    def _announce_queue(self, changed: bool) -> None:
        """One QueueChanged per change, not one per run of a burst of a thousand."""
        if self._board.take_dirty() or changed:
            self._sink(QueueChanged())

    # -- the home thread's mail -------------------------------------------------------------
    def take_mail(self) -> None:
        """On the home thread: act on and report what was posted since the last take."""
        ended = False
        for event in self.mailbox.take():
            ended = self._on_event(event) or ended
        if ended:
            self.dispatch()
            self._check_idle()

    def _on_event(self, event: Event) -> bool:
        """Returns whether a run ended."""
        kind = event[0]
        if kind == "output":
            self._sink(RunOutput(event[1], event[2], event[3]))
        elif kind == "state":
            self._board.note_state(event[1])
            self._sink(RunStateChanged(event[1]))
        elif kind == "done":
            self._on_run_done(event[1], event[2])
            return True
        elif kind == "dispatched":
            self._dispatched(event[1], event[2])
        elif kind == "limits":  # a task's max_concurrent changed: queued runs may start
            self.dispatch()
        elif kind == "foreign":
            self._on_foreign_queued(event[1])
        elif kind == "controls":
            host_requests.act_on_controls(self, event[1])
        elif kind == "fires":
            host_requests.start_fired(self, event[1])
        elif kind == "lost":
            host_requests.drop_lost(self, self._board, event[1])
        elif kind == "health":
            self._sink(StoreHealth(event[1], event[2]))
        elif kind == "retention":
            self._sink(RetentionApplied(event[1], event[2]))
        elif kind == "alert":
            self._sink(SuccessRateAlert(event[1]))
        elif kind == "chain":
            host_requests.adopt_chained(self, event[1])
        return False

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
        self._sink(RunStateChanged(rec))
        self._sink(RunFinished(rec))
        self._alerts.finished(rec, active.job.spec if active else None, retry is None)

    def _check_idle(self) -> None:
        if not self.is_busy():
            self._sink(HostIdle())

    # -- from other processes ---------------------------------------------------------------
    def _on_foreign_queued(self, runs: list[ForeignRun]) -> None:
        for fr in runs:
            if fr.record.uid in self._seen:
                continue
            self._add(RunJob(fr.record, fr.spec, fr.values))
        self.dispatch()
