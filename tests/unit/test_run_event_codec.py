"""Run events to JSON-able dicts and back: what the journal keeps is what the engine said."""

from __future__ import annotations

import json
import typing

import pytest

from taskrun_gui.core.models import Control, ErrorType, RunRecord, RunStatus, StepRecord, Trigger
from taskrun_gui.core.run_event_codec import EventDecodeError, from_dict, to_dict
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


def _record(uid: str = "r-1", **kw: object) -> RunRecord:
    base: dict[str, object] = {
        "uid": uid,
        "task_id": 7,
        "task_name": "nächtliche Sicherung ✓",
        "version": 3,
        "trigger": Trigger.RETRY,
        "attempt": 2,
        "first_uid": "r-0",
        "params": {"ziel": "/tmp/ünïcode", "n": "5"},
        "priority": -2,
        "queued_at": 1_700_000_000_000,
        "log_path": "/logs/r-1 ☃.log",
        "not_before": 1_700_000_002_000,
    }
    base.update(kw)
    return RunRecord(**base)  # type: ignore[arg-type]


EVENTS: list[RunEvent] = [
    RunQueued(_record()),
    RunQueued(RunRecord("r-2", 1, "bare", 1)),  # every optional field None or default
    RunStarted("r-1", 1_700_000_003_000, 4242, 4242, 1234.5),
    RunStarted("r-1", None, 1, None, None),
    RunPaused("r-1"),
    RunResumed("r-1"),
    ControlRequested("r-1", Control.CANCEL),
    ControlRequested("r-1", None),
    RunFinished(
        "r-1",
        RunStatus.FAILED,
        started_at=1,
        finished_at=5,
        duration_ms=4,
        exit_code=3,
        signal=None,
        error_type=ErrorType.EXIT_CODE,
        error_message="exit 3: «kaputt» 💥",
        peak_rss=1 << 20,
        cpu_seconds=0.25,
        log_bytes=10,
        log_dropped=2,
        retry=_record("r-3", attempt=3),
    ),
    RunFinished("r-2", RunStatus.CANCELLED),
    StepsRecorded(
        "r-1",
        (
            StepRecord(0, "bauen ✓", "success", 1, 2, 0, 0, 10),
            StepRecord(1, "test", "skipped"),
        ),
    ),
    StepsRecorded("r-1", ()),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_every_event_survives_a_json_line(event: RunEvent) -> None:
    line = json.dumps(to_dict(event))
    assert from_dict(json.loads(line)) == event


def test_the_samples_cover_every_event_type() -> None:
    assert {type(e) for e in EVENTS} == set(typing.get_args(RunEvent))


def test_a_record_keeps_what_its_row_holds() -> None:
    (back,) = [from_dict(json.loads(json.dumps(to_dict(RunQueued(_record())))))]
    assert isinstance(back, RunQueued)
    assert back.record.params == {"ziel": "/tmp/ünïcode", "n": "5"}
    assert back.record.trigger is Trigger.RETRY
    assert back.record.status is RunStatus.QUEUED


def test_a_finish_decodes_to_enums_and_a_nested_record() -> None:
    back = from_dict(json.loads(json.dumps(to_dict(EVENTS[8]))))
    assert isinstance(back, RunFinished)
    assert back.status is RunStatus.FAILED and back.error_type is ErrorType.EXIT_CODE
    assert back.retry is not None and back.retry.uid == "r-3" and back.retry.attempt == 3


@pytest.mark.parametrize(
    "data",
    [{}, {"event": "RunExploded", "uid": "x"}, {"event": "RunFinished", "uid": "x"}, []],
)
def test_what_is_not_an_event_is_refused(data: object) -> None:
    with pytest.raises(EventDecodeError):
        from_dict(data)  # type: ignore[arg-type]


def test_encoding_what_is_not_an_event_is_refused() -> None:
    with pytest.raises(ValueError, match="not a run event"):
        to_dict({"kind": "insert_run"})  # type: ignore[arg-type]
