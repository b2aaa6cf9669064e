"""Spool lines an older TaskRun wrote (`{"kind", "uid", "fields"}`: the column dicts it
built itself) read as run events, so a spool left by the release before is still replayed.
Kept for one release; drop it with the next spool change."""

from __future__ import annotations

import json
from typing import Any

from taskrun_gui.core.models import Control, ErrorType, RunRecord, RunStatus, StepRecord, Trigger
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


def is_legacy(data: dict[str, Any]) -> bool:
    return "kind" in data and "event" not in data


def legacy_event(data: dict[str, Any]) -> RunEvent:
    """Raises ValueError (or KeyError, TypeError) for a line it cannot read."""
    kind, uid, fields = data["kind"], data["uid"], dict(data.get("fields") or {})
    if kind == "insert_run":
        return RunQueued(_record(uid, fields))
    if kind == "finish_run":
        return _finished(uid, fields)
    if kind == "set_steps":
        steps = tuple(_step(s) for s in fields.get("steps") or ())
        return StepsRecorded(uid, steps)
    if kind == "update_run":
        return _update(uid, fields)
    raise ValueError(f"unknown write operation {kind!r}")


def _update(uid: str, fields: dict[str, Any]) -> RunEvent:
    if "pid" in fields:
        return RunStarted(
            uid,
            fields.get("started_at"),
            fields["pid"],
            fields.get("pgid"),
            fields.get("proc_create_time"),
        )
    status = fields.get("status")
    if status == RunStatus.PAUSED:
        return RunPaused(uid)
    if status == RunStatus.RUNNING:
        return RunResumed(uid)
    if set(fields) == {"control"}:
        control = fields["control"]
        return ControlRequested(uid, None if control is None else Control(control))
    raise ValueError(f"an update this release does not write: {sorted(fields)}")


def _finished(uid: str, fields: dict[str, Any]) -> RunFinished:
    error_type, retry = fields.get("error_type"), fields.get("retry")
    return RunFinished(
        uid,
        RunStatus(fields["status"]),
        started_at=fields.get("started_at"),
        finished_at=fields.get("finished_at"),
        duration_ms=fields.get("duration_ms"),
        exit_code=fields.get("exit_code"),
        signal=fields.get("signal"),
        error_type=None if error_type is None else ErrorType(error_type),
        error_message=fields.get("error_message"),
        peak_rss=fields.get("peak_rss"),
        cpu_seconds=fields.get("cpu_seconds"),
        log_bytes=fields.get("log_bytes") or 0,
        log_dropped=fields.get("log_dropped") or 0,
        retry=None if retry is None else _record(retry["uid"], retry),
    )


def _record(uid: str, f: dict[str, Any]) -> RunRecord:
    """A record from the columns storage's record_fields gave an insert."""
    error_type = f.get("error_type")
    return RunRecord(
        uid=uid,
        task_id=f["task"],
        task_name=f["task_name"],
        version=f["version"],
        status=RunStatus(f.get("status") or RunStatus.QUEUED),
        trigger=Trigger(f.get("trigger") or Trigger.MANUAL),
        attempt=f.get("attempt", 1),
        first_uid=f.get("first_uid"),
        params=json.loads(f.get("params_json") or "{}"),
        priority=f.get("priority", 0),
        queued_at=f.get("queued_at", 0),
        started_at=f.get("started_at"),
        finished_at=f.get("finished_at"),
        duration_ms=f.get("duration_ms"),
        exit_code=f.get("exit_code"),
        signal=f.get("signal"),
        error_type=None if error_type is None else ErrorType(error_type),
        error_message=f.get("error_message"),
        pid=f.get("pid"),
        pgid=f.get("pgid"),
        proc_create_time=f.get("proc_create_time"),
        peak_rss=f.get("peak_rss"),
        cpu_seconds=f.get("cpu_seconds"),
        log_path=f.get("log_path", ""),
        log_bytes=f.get("log_bytes") or 0,
        log_dropped=f.get("log_dropped") or 0,
        not_before=f.get("not_before"),
    )


def _step(s: dict[str, Any]) -> StepRecord:
    return StepRecord(
        s["idx"],
        s["name"],
        s["status"],
        s.get("started_at"),
        s.get("finished_at"),
        s.get("exit_code"),
        s.get("log_start", 0),
        s.get("log_end", 0),
    )
