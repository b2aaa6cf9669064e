"""One run from queued to final, with no Qt: the executor's workers and the CLI's direct mode
both call `execute_run`. Every change of state goes to the recorder as a run event."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from taskrun_gui.core import params as params_mod
from taskrun_gui.core.hosts import HostDef
from taskrun_gui.core.models import (
    STEP_SKIPPED,
    ErrorType,
    RunRecord,
    RunStatus,
    StepRecord,
    TaskSpec,
)
from taskrun_gui.core.run_events import (
    RunEvent,
    RunFinished,
    RunPaused,
    RunRecorder,
    RunResumed,
    RunStarted,
    StepsRecorded,
)
from taskrun_gui.core.timefmt import now_ms
from taskrun_gui.engine.logsink import LogSink, OutputCallback
from taskrun_gui.engine.pause_clock import PauseClock
from taskrun_gui.engine.plan import PlannedStep, build_env, plan_steps
from taskrun_gui.engine.records import missing_secrets, next_attempt, save_secret_values
from taskrun_gui.engine.remote import on_host
from taskrun_gui.engine.supervise import ProcessOutcome, RunControl, Spawned, run_process
from taskrun_gui.storage import policy_file, tasks_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.schema import database_proxy

log = logging.getLogger(__name__)

Write = Callable[[RunEvent], "Future[Any]"]
HOME = os.path.expanduser("~")  # where a task without a working directory runs
# what a step that may fail (continue_on_error) may end as, the run going on
_STEP_FAILURES = (RunStatus.FAILED, RunStatus.ERROR, RunStatus.TIMEOUT)
# errors told in TaskRun's words and numbers alone ("exited with code 9"): not masked, as a
# secret `9` or `x` made them "exited with code ***" or "e***ited", and gave the value away
_OWN_WORDS = (ErrorType.EXIT_CODE, ErrorType.SIGNAL, ErrorType.TIMEOUT, ErrorType.CANCELLED)
RUNNING_WRITE_WAIT = 2.0  # seconds to wait for the `running` row before waiting on the process


@dataclass
class RunJob:
    record: RunRecord  # as queued; params already masked
    spec: TaskSpec  # the version this run executes
    values: dict[str, str] = field(default_factory=dict)  # real values, never stored
    control: RunControl = field(default_factory=RunControl)


@dataclass
class RunResult:
    record: RunRecord
    retry: RunRecord | None = None  # the next attempt, queued in the same transaction


@dataclass
class RunHooks:
    on_state: Callable[[RunRecord], None] = lambda rec: None  # running, paused, running again
    on_output: OutputCallback | None = None
    task_gone: Callable[[int], bool] = lambda task_id: False  # deleted: no retry (task_limits)


def _wait_written(fut: Future[Any], writer: RunRecorder, timeout: float) -> None:
    """Wait for a write while the store is healthy; a refused write stays queued in the
    writer and execution goes on."""
    deadline = time.monotonic() + timeout
    while writer.healthy and time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            fut.result(0.05)
        if fut.done():
            return


def execute_run(job: RunJob, store: Store, writer: RunRecorder, hooks: RunHooks) -> RunResult:
    """Run `job` to its final state on this thread. The `running` row is written before the
    process is waited on, unless the store is failing: then nothing waits for it."""
    write: Write = functools.partial(writer.submit, lazy=True)  # only `running` is waited for
    rec = job.record.copied()  # as replace() would, at a fiftieth of its cost
    secrets = params_mod.secret_values(job.spec.params, job.values)
    if job.control.cancelled.is_set():
        out = ProcessOutcome(
            RunStatus.CANCELLED,
            error_type=ErrorType.CANCELLED,
            error_message="cancelled before it started",
        )
        return _finish(rec, out, write, [], secrets, None, store, job.values)
    no_secret = missing_secrets(job.spec, rec, job.values)  # queued on another node
    if no_secret is not None:
        out = ProcessOutcome(
            RunStatus.ERROR, error_type=ErrorType.NOT_FOUND, error_message=no_secret
        )
        return _finish(rec, out, write, [], secrets, None, store, job.values)
    remote = None if rec.host is None else on_host.target_of(rec.host)
    if isinstance(remote, ProcessOutcome):  # not in the inventory (any more)
        return _finish(rec, remote, write, [], secrets, None, store, job.values)
    rec.started_at = now_ms()
    rec.status = RunStatus.RUNNING
    if remote is None:
        env = build_env(job.spec, job.values, rec.uid)
        steps = plan_steps(job.spec, job.values, rec.uid, store.tmp_dir)
    else:
        env, steps = {}, on_host.plan(job.spec, job.values)
    cap = policy_file.load(store.data_dir).log_cap_for(job.spec.log_cap_bytes)
    sink = LogSink(Path(rec.log_path), secrets, hooks.on_output, cap)
    run = _Run(job, rec, env, sink, store, writer, hooks, remote)
    try:
        for i, step in enumerate(steps):
            run.step(i, step)
    except Exception as exc:  # a bug of ours must still leave a final record
        log.exception("run %s failed inside TaskRun", rec.uid)
        run.failed = ProcessOutcome(
            RunStatus.ERROR, error_type=ErrorType.INTERNAL, error_message=f"internal error: {exc}"
        )
    finally:
        sink.close()
    final = run.settle(multi_step=len(steps) > 1)
    step_list = run.steps if len(steps) > 1 else []

    def gone(task_id: int) -> bool:
        return _deleted(task_id, hooks.task_gone, writer.healthy)

    return _finish(rec, final, write, step_list, secrets, job.spec, store, job.values, gone)


@dataclass
class _Run:
    """One run's steps as they go: what each ended as, and the first that failed the run
    (the later ones are then skipped)."""

    job: RunJob
    rec: RunRecord
    env: dict[bytes, bytes]
    sink: LogSink
    store: Store
    writer: RunRecorder
    hooks: RunHooks
    remote: HostDef | None  # the machine it runs on; None: this one
    steps: list[StepRecord] = field(default_factory=list)
    outcome: ProcessOutcome = field(default_factory=lambda: ProcessOutcome(RunStatus.SUCCESS))
    failed: ProcessOutcome | None = None
    peak_rss: int = 0
    cpu: float = 0.0
    pauses: PauseClock = field(default_factory=PauseClock)
    began: float = field(default_factory=time.monotonic)  # for the task's own timeout

    def step(self, i: int, step: PlannedStep) -> None:
        srec = StepRecord(
            i, step.name, RunStatus.RUNNING, started_at=now_ms(), log_start=self.sink.position
        )
        self.steps.append(srec)
        left = self._task_time_left()
        if self.failed is None and self.job.control.cancelled.is_set():  # between two steps
            self.failed = ProcessOutcome(
                RunStatus.CANCELLED,
                error_type=ErrorType.CANCELLED,
                error_message="cancelled; later steps did not run",
            )
        elif self.failed is None and left is not None and left <= 0:
            self.failed = self._task_timed_out(f"before step '{step.name}'")
        if self.failed is not None:
            srec.status = RunStatus.QUEUED  # marked skipped in settle
            srec.started_at = None
            return
        by_task = left is not None and (step.timeout is None or left < step.timeout)
        outcome = self.outcome = self._process(replace(step, timeout=left) if by_task else step)
        task_deadline = by_task and outcome.status is RunStatus.TIMEOUT  # the whole run's
        if task_deadline:
            outcome = self.outcome = self._task_timed_out(f"in step '{step.name}'", outcome)
        if step.script_file is not None:
            with contextlib.suppress(OSError):
                step.script_file.unlink()
        self.peak_rss = max(self.peak_rss, outcome.peak_rss)
        self.cpu += outcome.cpu_seconds
        srec.status, srec.exit_code = outcome.status, outcome.exit_code
        srec.finished_at, srec.log_end = now_ms(), self.sink.position
        if outcome.status is not RunStatus.SUCCESS and not (
            step.continue_on_error and outcome.status in _STEP_FAILURES and not task_deadline
        ):
            self.failed = outcome

    def _task_time_left(self) -> float | None:
        """Seconds left of a task with steps' own timeout, which holds for the whole run (its
        active time: pauses do not count); None: no such timeout (a single command's is its
        step's)."""
        timeout = self.job.spec.timeout
        if timeout is None or not self.job.spec.steps:
            return None
        return timeout - (time.monotonic() - self.began - self.pauses.total_ms() / 1000)

    def _task_timed_out(self, where: str, out: ProcessOutcome | None = None) -> ProcessOutcome:
        stopped = "the process tree was stopped" if out else "later steps did not run"
        out = out or ProcessOutcome(RunStatus.TIMEOUT, error_type=ErrorType.TIMEOUT)
        timeout = self.job.spec.timeout
        out.error_message = f"timed out after {timeout:g} s (the task's timeout) {where}; {stopped}"
        return out

    def _process(self, step: PlannedStep) -> ProcessOutcome:
        if step.argv is None:
            return ProcessOutcome(
                RunStatus.ERROR, error_type=step.error_type, error_message=step.error
            )
        rec, spec, hooks = self.rec, self.job.spec, self.hooks
        write: Write = functools.partial(self.writer.submit, lazy=True)
        if self.remote is not None:
            return on_host.run_step(
                self.remote,
                on_host.step_of(self.remote, step, spec, self.job.values, rec.uid),
                self.sink,
                self.job.control,
                rec.uid,
                on_started=lambda: _on_remote_started(rec, self.writer, hooks),
                on_paused=lambda paused: _on_paused(rec, paused, write, hooks, self.pauses),
            )
        return run_process(
            step.argv,
            self.env,
            os.path.expanduser(spec.cwd) if spec.cwd else HOME,
            self.sink,
            self.job.control,
            rec.uid,
            timeout=step.timeout,
            on_spawned=lambda sp: _on_spawned(rec, sp, self.writer, hooks),
            on_paused=lambda paused: _on_paused(rec, paused, write, hooks, self.pauses),
            track_file=self.store.tmp_dir / f"{rec.uid}.pids",  # engine/run_pids.path_for
        )

    def settle(self, multi_step: bool) -> ProcessOutcome:
        """The run's outcome once its log is closed; the steps' offsets in the finished
        file (a capped log lost its middle) and the record's log figures."""
        sink, rec = self.sink, self.rec
        for s in self.steps:
            s.log_start, s.log_end = (
                sink.file.final_offset(s.log_start),
                sink.file.final_offset(s.log_end),
            )
            if s.status == RunStatus.QUEUED:
                s.status = STEP_SKIPPED
        final = self.failed or self.outcome
        if multi_step and self.failed is None:
            final = replace(
                self.outcome, status=RunStatus.SUCCESS, error_type=None, error_message=None
            )
        final.peak_rss, final.cpu_seconds = self.peak_rss, self.cpu
        rec.log_bytes, rec.log_dropped = sink.file.size, sink.file.dropped
        rec.log_error = sink.file.error
        rec.paused_ms = self.pauses.total_ms()
        return final


def _on_spawned(
    rec: RunRecord, sp: Spawned, writer: RunRecorder, hooks: RunHooks
) -> Callable[[], None]:
    """Record the run as running with its process identity; returns the wait for that
    record, which the supervisor does before it reaps the process (until then the pid
    cannot be recycled, so a host dying meanwhile leaves a record that finds the right
    process). In the writer's journal the record is as durable as that needs: a host killed
    now leaves it there, and the next process replays it before it recovers the run. So
    the wait is for the commit only when the journal is refused, and the event may share
    its commit with the run's end (a thousand short runs: not two commits each)."""
    rec.pid, rec.pgid, rec.proc_create_time = sp.pid, sp.pgid, sp.create_time
    started = RunStarted(rec.uid, rec.started_at, sp.pid, sp.pgid, sp.create_time)
    written = writer.submit(started, lazy=writer.journaled)
    hooks.on_state(rec.copied())
    if writer.journaled:
        return _no_wait
    return lambda: _wait_written(written, writer, RUNNING_WRITE_WAIT)


def _on_remote_started(rec: RunRecord, writer: RunRecorder, hooks: RunHooks) -> Callable[[], None]:
    """As _on_spawned, for a process on another machine: no local identity to record (pid
    stays empty, so recovery never stops a process here that happens to share its pid)."""
    written = writer.submit(
        RunStarted(rec.uid, rec.started_at, None, None, None), lazy=writer.journaled
    )
    hooks.on_state(rec.copied())
    if writer.journaled:
        return _no_wait
    return lambda: _wait_written(written, writer, RUNNING_WRITE_WAIT)


def _no_wait() -> None:
    """The `running` record is in the journal already: nothing to wait for."""


def _on_paused(
    rec: RunRecord, paused: bool, write: Write, hooks: RunHooks, pauses: PauseClock
) -> None:
    pauses.mark(paused)
    rec.status = RunStatus.PAUSED if paused else RunStatus.RUNNING
    write(RunPaused(rec.uid) if paused else RunResumed(rec.uid))
    hooks.on_state(rec.copied())


def _with_secrets(
    rec: RunRecord, retry: RunRecord, spec: TaskSpec, store: Store, values: dict[str, str]
) -> RunRecord | None:
    """The retry, once its secrets are saved (whichever host finds its row needs them); None
    when they cannot be (a full disk): the run's end is recorded without it, saying why."""
    try:
        save_secret_values(store.secrets_dir, retry.uid, spec, values)
    except OSError as exc:
        log.warning("run %s: its retry was not queued: %s", rec.uid, exc)
        reason = exc.strerror or str(exc)
        why = f"the retry was not queued: its secret parameters could not be saved ({reason})"
        rec.error_message = f"{rec.error_message}; {why}" if rec.error_message else why
        return None
    return retry


def _deleted(task_id: int, gone: Callable[[int], bool], store_ok: bool) -> bool:
    """The run's task was deleted while it ran (`task rm`): its host's last read of the
    tasks says so, else the store, asked only for a run whose retry is due, and only while
    it answers (a failing store keeps the retry, as before); this thread's connection is
    closed after (no worker keeps one to a shared server)."""
    if gone(task_id):
        return True
    if not store_ok:
        return False
    try:
        return tasks_repo.is_deleted(task_id)
    except Exception:  # a busy store: retried as before
        return False
    finally:
        with contextlib.suppress(Exception):
            database_proxy.obj.close()


def _finish(
    rec: RunRecord,
    out: ProcessOutcome,
    write: Write,
    steps: list[StepRecord],
    secrets: list[str],
    spec: TaskSpec | None,
    store: Store,
    values: dict[str, str],
    task_gone: Callable[[int], bool] = lambda task_id: False,
) -> RunResult:
    rec.finished_at = now_ms()
    rec.status = out.status
    rec.exit_code, rec.signal = out.exit_code, out.signal
    rec.error_type = out.error_type
    rec.error_message = out.error_message
    if out.error_message is not None and out.error_type not in _OWN_WORDS:
        rec.error_message = params_mod.mask_text(out.error_message, secrets)
    ran = rec.started_at is not None and out.status is not RunStatus.ERROR
    wall_ms = (rec.finished_at - rec.started_at) if ran and rec.started_at else None
    rec.paused_ms = min(rec.paused_ms, wall_ms or 0)  # no run is paused longer than it ran
    rec.duration_ms = None if wall_ms is None else wall_ms - rec.paused_ms  # active time
    rec.peak_rss = out.peak_rss or None
    rec.cpu_seconds = out.cpu_seconds if ran and rec.host is None else None  # not measured remotely
    rec.steps = steps
    if steps:
        write(StepsRecorded(rec.uid, tuple(replace(s) for s in steps)))
    retry = None if spec is None else next_attempt(rec, spec, store.logs_dir)
    if retry is not None and task_gone(rec.task_id):  # `task rm` while it ran
        retry = None
        why = "no retry: the task was deleted"
        rec.error_message = f"{rec.error_message}; {why}" if rec.error_message else why
    if retry is not None and spec is not None:
        retry = _with_secrets(rec, retry, spec, store, values)
    write(RunFinished.of(rec, None if retry is None else replace(retry)))
    return RunResult(rec, retry)  # the final state: not also an on_state
