"""Run events kept in a writer's journal are what the next process writes: a journal left by
a writer that died is replayed once, whatever it holds, and a spool written by the release
before (WriteOp lines, the column dicts it built) is replayed too."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from taskrun_gui.core.models import Control, ErrorType, RunStatus, StepRecord, TaskSpec, Trigger
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
from taskrun_gui.core.timefmt import local_day, now_ms
from taskrun_gui.engine import records
from taskrun_gui.storage import journal, run_writes, runs_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.schema import Run, TaskDay
from taskrun_gui.storage.writer import replay_spool
from tests.helpers import add_task


def _runs(store: Store, n: int, name: str = "backup ✓") -> list:
    task = add_task(store, TaskSpec(name=name, command="exit 3", retries=1))
    return [
        records.new_run(task.id, 1, task.spec, {"ziel": "ü"}, Trigger.CLI, store.logs_dir)
        for _ in range(n)
    ]


def _a_whole_run(store: Store) -> tuple[list[RunEvent], str, str]:
    (rec,) = _runs(store, 1)
    start = now_ms()
    retry = replace(rec, uid=rec.uid + "-2", attempt=2, first_uid=rec.uid, trigger=Trigger.RETRY)
    final = replace(
        rec,
        status=RunStatus.FAILED,
        started_at=start,
        finished_at=start + 40,
        duration_ms=40,
        exit_code=3,
        error_type=ErrorType.EXIT_CODE,
        error_message="exit 3 — «kaputt»",
        log_bytes=12,
    )
    steps = (
        StepRecord(0, "eins", "success", start, start + 10, 0, 0, 5),
        StepRecord(1, "zwei", "failed", start + 10, start + 40, 3, 5, 12),
    )
    events: list[RunEvent] = [
        RunQueued(rec),
        RunStarted(rec.uid, start, 4242, 4242, 1.5),
        RunPaused(rec.uid),
        RunResumed(rec.uid),
        ControlRequested(rec.uid, Control.CANCEL),
        StepsRecorded(rec.uid, steps),
        RunFinished.of(final, retry),
    ]
    return events, rec.uid, retry.uid


def _leave_journal(store: Store, events: list[RunEvent]) -> None:
    """What a writer killed before its commit leaves: its journal, its flock gone."""
    left = journal.Journal(store.spool_dir)
    left.append(events)
    left.close(keep=True)


def _assert_recorded(uid: str, retry_uid: str) -> None:
    row = runs_repo.get_by_uid(uid)
    assert row is not None
    assert (row.status, row.exit_code, row.error_type) == (
        RunStatus.FAILED,
        3,
        ErrorType.EXIT_CODE,
    )
    assert row.error_message == "exit 3 — «kaputt»"
    assert (row.pid, row.proc_create_time, row.control) == (4242, 1.5, None)
    assert row.params == {"ziel": "ü"}
    assert [(s.name, s.status, s.log_end) for s in runs_repo.steps(row.id or 0)] == [
        ("eins", "success", 5),
        ("zwei", "failed", 12),
    ]
    retry = runs_repo.get_by_uid(retry_uid)
    assert retry is not None
    assert (retry.status, retry.attempt, retry.first_uid) == (RunStatus.QUEUED, 2, uid)


def _day_failures(task_id: int) -> int:
    day = TaskDay.get_or_none(TaskDay.task == task_id, TaskDay.day == local_day(now_ms()))
    return 0 if day is None else int(day.failed)


def test_a_dead_writers_events_are_replayed_once(store: Store) -> None:
    events, uid, retry_uid = _a_whole_run(store)
    _leave_journal(store, events)
    assert replay_spool(store) == 0
    _assert_recorded(uid, retry_uid)
    task_id = runs_repo.get_by_uid(uid).task_id  # type: ignore[union-attr]
    assert _day_failures(task_id) == 1
    assert not list(store.spool_dir.glob("*.jsonl"))  # claimed: nobody replays it again

    _leave_journal(store, events)  # the same events again (a journal replayed twice)
    assert replay_spool(store) == 0
    _assert_recorded(uid, retry_uid)
    assert _day_failures(task_id) == 1  # the finish is not counted twice
    assert Run.select().count() == 2  # the run and its retry, each once


def _old_line(kind: str, uid: str, fields: dict) -> str:
    return json.dumps({"kind": kind, "uid": uid, "fields": fields})  # asdict(WriteOp)


def test_a_spool_in_the_old_format_is_replayed(store: Store) -> None:
    """Lines exactly as the release before wrote them (runner.py and host.py built these
    dicts, journal.encode wrote asdict(WriteOp))."""
    rec, cancelled = _runs(store, 2)
    start = now_ms()
    retry = replace(rec, uid=rec.uid + "-2", attempt=2, first_uid=rec.uid, trigger=Trigger.RETRY)
    started = {
        "status": "running",
        "started_at": start,
        "pid": 4242,
        "pgid": 4242,
        "proc_create_time": 1.5,
        "control": None,
    }
    steps = [
        {
            "idx": 0,
            "name": "eins",
            "status": "success",
            "started_at": start,
            "finished_at": start + 10,
            "exit_code": 0,
            "log_start": 0,
            "log_end": 5,
        },
        {
            "idx": 1,
            "name": "zwei",
            "status": "failed",
            "started_at": start + 10,
            "finished_at": start + 40,
            "exit_code": 3,
            "log_start": 5,
            "log_end": 12,
        },
    ]
    finish = {
        "status": "failed",
        "started_at": start,
        "finished_at": start + 40,
        "duration_ms": 40,
        "exit_code": 3,
        "signal": None,
        "error_type": "exit_code",
        "error_message": "exit 3 — «kaputt»",
        "peak_rss": None,
        "cpu_seconds": 0.1,
        "log_bytes": 12,
        "log_dropped": 0,
        "control": None,
        "retry": {"uid": retry.uid, **run_writes.record_fields(retry)},
    }
    cancel = {
        "status": "cancelled",
        "finished_at": start,
        "error_type": "cancelled",
        "error_message": "cancelled while queued",
        "control": None,
    }
    lines = [
        _old_line("insert_run", rec.uid, run_writes.record_fields(rec)),
        _old_line("insert_run", cancelled.uid, run_writes.record_fields(cancelled)),
        _old_line("update_run", rec.uid, started),
        _old_line("update_run", rec.uid, {"status": "paused", "control": None}),
        _old_line("update_run", rec.uid, {"status": "running", "control": None}),
        _old_line("update_run", rec.uid, {"control": "cancel"}),
        _old_line("set_steps", rec.uid, {"steps": steps}),
        _old_line("finish_run", rec.uid, finish),
        _old_line("update_run", cancelled.uid, {"control": None}),
        _old_line("finish_run", cancelled.uid, cancel),
        '{"kind": "finish_run", "uid": "cut sh',  # a line a crash cut short
    ]
    store.spool_dir.mkdir(parents=True, exist_ok=True)
    Path(store.spool_dir, "999-1.jsonl").write_text("\n".join(lines) + "\n")

    assert replay_spool(store) == 0
    _assert_recorded(rec.uid, retry.uid)
    gone = runs_repo.get_by_uid(cancelled.uid)
    assert gone is not None
    assert (gone.status, gone.error_message) == (RunStatus.CANCELLED, "cancelled while queued")
    assert not list(store.spool_dir.glob("*.jsonl"))
