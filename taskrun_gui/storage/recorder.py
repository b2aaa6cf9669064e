"""The one place run events become rows: each event is mapped to the run_writes statement
that records it, inside the caller's transaction (the writer's batch, or a CLI's own).

Replaying a journal applies the same events again, so every mapping is idempotent: an insert
already there raises IntegrityError (the batch steps over it), updates never touch a final
run, and a finish of a run already final is left alone (never counted twice)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from taskrun_gui.core.models import RunStatus, StepRecord
from taskrun_gui.core.run_events import (
    ControlRequested,
    RunEvent,
    RunFinished,
    RunPaused,
    RunQueued,
    RunResumed,
    RunStarted,
    StepsRecorded,
)
from taskrun_gui.storage import run_writes
from taskrun_gui.storage.run_writes import Finished, WriteCache, immediate_transaction

__all__ = [
    "Finished",
    "WriteCache",
    "apply",
    "apply_all",
    "finish_fields",
    "immediate_transaction",
]


def finish_fields(e: RunFinished) -> dict[str, Any]:
    """The columns a finish writes (the slow flag is decided by run_writes as it writes)."""
    fields: dict[str, Any] = {
        "status": str(e.status),
        "started_at": e.started_at,
        "finished_at": e.finished_at,
        "duration_ms": e.duration_ms,
        "exit_code": e.exit_code,
        "signal": e.signal,
        "error_type": None if e.error_type is None else str(e.error_type),
        "error_message": e.error_message,
        "peak_rss": e.peak_rss,
        "cpu_seconds": e.cpu_seconds,
        "log_bytes": e.log_bytes,
        "log_dropped": e.log_dropped,
        "paused_ms": e.paused_ms,
        "control": None,
    }
    if e.retry is not None:
        fields["retry"] = {"uid": e.retry.uid, **run_writes.record_fields(e.retry)}
    return fields


def _step_columns(s: StepRecord) -> dict[str, Any]:
    return {
        "idx": s.index,
        "name": s.name,
        "status": str(s.status),
        "started_at": s.started_at,
        "finished_at": s.finished_at,
        "exit_code": s.exit_code,
        "log_start": s.log_start,
        "log_end": s.log_end,
    }


def _queued(e: RunQueued, _cache: WriteCache) -> Any:
    return run_writes.apply_op("insert_run", e.record.uid, run_writes.record_fields(e.record))


def _started(e: RunStarted, _cache: WriteCache) -> Any:
    fields = {
        "status": str(RunStatus.RUNNING),
        "started_at": e.started_at,
        "pid": e.pid,
        "pgid": e.pgid,
        "proc_create_time": e.proc_create_time,
        "control": None,
    }
    return run_writes.apply_op("update_run", e.uid, fields)


def _paused(e: RunPaused, _cache: WriteCache) -> Any:
    fields = {"status": str(RunStatus.PAUSED), "control": None}
    return run_writes.apply_op("update_run", e.uid, fields)


def _resumed(e: RunResumed, _cache: WriteCache) -> Any:
    fields = {"status": str(RunStatus.RUNNING), "control": None}
    return run_writes.apply_op("update_run", e.uid, fields)


def _control(e: ControlRequested, _cache: WriteCache) -> Any:
    control = None if e.control is None else str(e.control)
    return run_writes.apply_op("update_run", e.uid, {"control": control})


def _finished(e: RunFinished, cache: WriteCache, started: RunStarted | None = None) -> Any:
    fields = finish_fields(e)
    if started is not None:  # its `running` folded into the finish (see apply_all)
        fields.update(pid=started.pid, pgid=started.pgid, proc_create_time=started.proc_create_time)
    return run_writes.apply_op("finish_run", e.uid, fields, cache)


def _steps(e: StepsRecorded, _cache: WriteCache) -> Any:
    steps = [_step_columns(s) for s in e.steps]
    return run_writes.apply_op("set_steps", e.uid, {"steps": steps})


_APPLY: dict[type[Any], Callable[[Any, WriteCache], Any]] = {
    RunQueued: _queued,
    RunStarted: _started,
    RunPaused: _paused,
    RunResumed: _resumed,
    ControlRequested: _control,
    RunFinished: _finished,
    StepsRecorded: _steps,
}


def apply(event: RunEvent, cache: WriteCache | None = None) -> Any:
    """Record one event; call inside a transaction. Returns the new run's id for RunQueued,
    Finished (or None for a run already final) for RunFinished, a row count otherwise.
    `cache`: the writer's WriteCache (see run_writes)."""
    try:
        record = _APPLY[type(event)]
    except KeyError:
        raise ValueError(f"not a run event: {event!r}") from None
    return record(event, cache if cache is not None else WriteCache())


def apply_all(events: list[RunEvent], cache: WriteCache) -> list[Any]:
    """Record a batch of events in order, inside one transaction; the results as `apply`
    gives them. A run that started and ended within the batch (a short run, its records
    committed together) gets one statement less: its `running` is written by its finish,
    which sets the same columns (the process identity added) and leaves a final run alone
    as the update would; the start's result is then the finish's row count."""
    ends = {e.uid: i for i, e in enumerate(events) if isinstance(e, RunFinished)}
    results: list[Any] = []
    folded: dict[str, tuple[RunStarted, int]] = {}  # uid -> its start, the start's result slot
    for i, e in enumerate(events):
        if isinstance(e, RunStarted) and ends.get(e.uid, -1) > i:
            folded[e.uid] = (e, len(results))
            results.append(0)  # set once its finish is applied
        elif isinstance(e, RunFinished) and e.uid in folded:
            start, slot = folded.pop(e.uid)
            result = _finished(e, cache, start)
            results[slot] = 0 if result is None else 1
            results.append(result)
        else:
            results.append(apply(e, cache))
    return results
