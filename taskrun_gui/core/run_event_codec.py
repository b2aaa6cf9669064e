"""Run events as JSON-able dicts and back: the journal's and the spool's line format.

A line is `{"event": <class name>, ...attributes}`; enums are their values and a record is the
columns a queued run's row holds. Written out field by field, not through dataclass
reflection: the writer's journal encodes every event of every run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from taskrun_gui.core.models import (
    Control,
    ErrorType,
    RunRecord,
    RunStatus,
    StepRecord,
    Trigger,
)
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


class EventDecodeError(ValueError):
    """A line that is not a run event (damaged, or from a newer TaskRun)."""


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


def record_to_dict(rec: RunRecord) -> dict[str, Any]:
    """What a run row holds (not its id, steps, control or slow flag: the row's own)."""
    return {
        "uid": rec.uid,
        "task_id": rec.task_id,
        "task_name": rec.task_name,
        "version": rec.version,
        "status": str(rec.status),
        "trigger": str(rec.trigger),
        "attempt": rec.attempt,
        "first_uid": rec.first_uid,
        "params": dict(rec.params),
        "priority": rec.priority,
        "queued_at": rec.queued_at,
        "started_at": rec.started_at,
        "finished_at": rec.finished_at,
        "duration_ms": rec.duration_ms,
        "exit_code": rec.exit_code,
        "signal": rec.signal,
        "error_type": _opt(rec.error_type),
        "error_message": rec.error_message,
        "pid": rec.pid,
        "pgid": rec.pgid,
        "proc_create_time": rec.proc_create_time,
        "peak_rss": rec.peak_rss,
        "cpu_seconds": rec.cpu_seconds,
        "log_path": rec.log_path,
        "log_bytes": rec.log_bytes,
        "log_dropped": rec.log_dropped,
        "not_before": rec.not_before,
        "paused_ms": rec.paused_ms,
        "host": rec.host,
        "batch": rec.batch,
        "batch_limit": rec.batch_limit,
        "triggered_by": rec.triggered_by,
        "node": rec.node,
    }


def record_from_dict(d: dict[str, Any]) -> RunRecord:
    error_type = d.get("error_type")
    return RunRecord(
        uid=d["uid"],
        task_id=d["task_id"],
        task_name=d["task_name"],
        version=d["version"],
        status=RunStatus(d.get("status", RunStatus.QUEUED)),
        trigger=Trigger(d.get("trigger", Trigger.MANUAL)),
        attempt=d.get("attempt", 1),
        first_uid=d.get("first_uid"),
        params=dict(d.get("params") or {}),
        priority=d.get("priority", 0),
        queued_at=d.get("queued_at", 0),
        started_at=d.get("started_at"),
        finished_at=d.get("finished_at"),
        duration_ms=d.get("duration_ms"),
        exit_code=d.get("exit_code"),
        signal=d.get("signal"),
        error_type=None if error_type is None else ErrorType(error_type),
        error_message=d.get("error_message"),
        pid=d.get("pid"),
        pgid=d.get("pgid"),
        proc_create_time=d.get("proc_create_time"),
        peak_rss=d.get("peak_rss"),
        cpu_seconds=d.get("cpu_seconds"),
        log_path=d.get("log_path", ""),
        log_bytes=d.get("log_bytes", 0),
        log_dropped=d.get("log_dropped", 0),
        not_before=d.get("not_before"),
        paused_ms=d.get("paused_ms", 0),
        host=d.get("host"),
        batch=d.get("batch"),
        batch_limit=d.get("batch_limit"),
        triggered_by=d.get("triggered_by"),
        node=d.get("node"),
    )


def step_to_dict(s: StepRecord) -> dict[str, Any]:
    return {
        "index": s.index,
        "name": s.name,
        "status": s.status,
        "started_at": s.started_at,
        "finished_at": s.finished_at,
        "exit_code": s.exit_code,
        "log_start": s.log_start,
        "log_end": s.log_end,
    }


def step_from_dict(d: dict[str, Any]) -> StepRecord:
    return StepRecord(
        d["index"],
        d["name"],
        d["status"],
        d.get("started_at"),
        d.get("finished_at"),
        d.get("exit_code"),
        d.get("log_start", 0),
        d.get("log_end", 0),
    )


def _finished_to_dict(e: RunFinished) -> dict[str, Any]:
    return {
        "event": "RunFinished",
        "uid": e.uid,
        "status": str(e.status),
        "started_at": e.started_at,
        "finished_at": e.finished_at,
        "duration_ms": e.duration_ms,
        "exit_code": e.exit_code,
        "signal": e.signal,
        "error_type": _opt(e.error_type),
        "error_message": e.error_message,
        "peak_rss": e.peak_rss,
        "cpu_seconds": e.cpu_seconds,
        "log_bytes": e.log_bytes,
        "log_dropped": e.log_dropped,
        "retry": None if e.retry is None else record_to_dict(e.retry),
        "paused_ms": e.paused_ms,
    }


def _finished_from_dict(d: dict[str, Any]) -> RunFinished:
    error_type, retry = d.get("error_type"), d.get("retry")
    return RunFinished(
        d["uid"],
        RunStatus(d["status"]),
        d.get("started_at"),
        d.get("finished_at"),
        d.get("duration_ms"),
        d.get("exit_code"),
        d.get("signal"),
        None if error_type is None else ErrorType(error_type),
        d.get("error_message"),
        d.get("peak_rss"),
        d.get("cpu_seconds"),
        d.get("log_bytes", 0),
        d.get("log_dropped", 0),
        None if retry is None else record_from_dict(retry),
        paused_ms=d.get("paused_ms", 0),  # journals written before pauses were kept
    )


def _started_to_dict(e: RunStarted) -> dict[str, Any]:
    return {
        "event": "RunStarted",
        "uid": e.uid,
        "started_at": e.started_at,
        "pid": e.pid,
        "pgid": e.pgid,
        "proc_create_time": e.proc_create_time,
    }


def _control_to_dict(e: ControlRequested) -> dict[str, Any]:
    return {"event": "ControlRequested", "uid": e.uid, "control": _opt(e.control)}


def _steps_to_dict(e: StepsRecorded) -> dict[str, Any]:
    return {"event": "StepsRecorded", "uid": e.uid, "steps": [step_to_dict(s) for s in e.steps]}


_ENCODERS: dict[type[Any], Callable[[Any], dict[str, Any]]] = {
    RunQueued: lambda e: {"event": "RunQueued", "record": record_to_dict(e.record)},
    RunStarted: _started_to_dict,
    RunPaused: lambda e: {"event": "RunPaused", "uid": e.uid},
    RunResumed: lambda e: {"event": "RunResumed", "uid": e.uid},
    ControlRequested: _control_to_dict,
    RunFinished: _finished_to_dict,
    StepsRecorded: _steps_to_dict,
}

_DECODERS: dict[str, Callable[[dict[str, Any]], RunEvent]] = {
    "RunQueued": lambda d: RunQueued(record_from_dict(d["record"])),
    "RunStarted": lambda d: RunStarted(
        d["uid"], d.get("started_at"), d["pid"], d.get("pgid"), d.get("proc_create_time")
    ),
    "RunPaused": lambda d: RunPaused(d["uid"]),
    "RunResumed": lambda d: RunResumed(d["uid"]),
    "ControlRequested": lambda d: ControlRequested(
        d["uid"], None if d.get("control") is None else Control(d["control"])
    ),
    "RunFinished": _finished_from_dict,
    "StepsRecorded": lambda d: StepsRecorded(
        d["uid"], tuple(step_from_dict(s) for s in d.get("steps") or ())
    ),
}


def to_dict(event: RunEvent) -> dict[str, Any]:
    """Raises ValueError for what is not a run event (as the recorder does)."""
    try:
        encode = _ENCODERS[type(event)]
    except KeyError:
        raise ValueError(f"not a run event: {event!r}") from None
    return encode(event)


def from_dict(data: dict[str, Any]) -> RunEvent:
    """Raises EventDecodeError for a dict that is not a run event."""
    try:
        return _DECODERS[data["event"]](data)
    except (KeyError, TypeError, ValueError) as exc:
        raise EventDecodeError(f"not a run event: {exc}") from exc
