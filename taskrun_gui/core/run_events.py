"""What happens to a run, as typed events: the engine says what happened, the recorder in
storage decides which rows that changes, and the writer's journal keeps the events themselves
(see run_event_codec). Frozen and slotted: thousands are made a second, and one handed to the
writer is never changed afterwards by the run that made it."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Protocol

from taskrun_gui.core.models import Control, ErrorType, RunRecord, RunStatus, StepRecord


@dataclass(frozen=True, slots=True)
class RunQueued:
    """A new run row: what the record holds as queued (a retry's next attempt too)."""

    record: RunRecord


@dataclass(frozen=True, slots=True)
class RunStarted:
    """Its process is up: the identity recovery checks before it stops a dead host's tree."""

    uid: str
    started_at: int | None
    pid: int | None  # None: a process on another machine (nothing here to stop or check)
    pgid: int | None
    proc_create_time: float | None


@dataclass(frozen=True, slots=True)
class RunPaused:
    uid: str


@dataclass(frozen=True, slots=True)
class RunResumed:
    uid: str


@dataclass(frozen=True, slots=True)
class ControlRequested:
    """A cancel, pause or resume recorded on the run for its host to act on; None clears a
    request the host has seen."""

    uid: str
    control: Control | None


@dataclass(frozen=True, slots=True)
class RunFinished:
    """How the run went. `retry`: the next attempt, queued in the same transaction."""

    uid: str
    status: RunStatus
    started_at: int | None = None
    finished_at: int | None = None
    duration_ms: int | None = None
    exit_code: int | None = None
    signal: int | None = None
    error_type: ErrorType | None = None
    error_message: str | None = None
    peak_rss: int | None = None
    cpu_seconds: float | None = None
    log_bytes: int = 0
    log_dropped: int = 0
    retry: RunRecord | None = None
    paused_ms: int = 0  # duration_ms is the active time; wall time adds this

    @classmethod
    def of(cls, rec: RunRecord, retry: RunRecord | None = None) -> RunFinished:
        """The outcome a final record holds."""
        return cls(
            rec.uid,
            rec.status,
            rec.started_at,
            rec.finished_at,
            rec.duration_ms,
            rec.exit_code,
            rec.signal,
            rec.error_type,
            rec.error_message,
            rec.peak_rss,
            rec.cpu_seconds,
            rec.log_bytes,
            rec.log_dropped,
            retry,
            paused_ms=rec.paused_ms,
        )


@dataclass(frozen=True, slots=True)
class StepsRecorded:
    """The steps of a multi-step run, as they ended (replacing any recorded before)."""

    uid: str
    steps: tuple[StepRecord, ...]


RunEvent = (
    RunQueued | RunStarted | RunPaused | RunResumed | ControlRequested | RunFinished | StepsRecorded
)


def event_uid(event: RunEvent) -> str:
    return event.record.uid if isinstance(event, RunQueued) else event.uid


class RunRecorder(Protocol):
    """Where the engine sends run events (storage's StoreWriter): kept in order, in a journal
    from the moment `submit` returns; `healthy` is False while the store refuses writes."""

    @property
    def healthy(self) -> bool: ...

    @property
    def journaled(self) -> bool:
        """What was submitted so far is in the journal on disk (False while the disk
        refuses it: the events then live in memory only, until the store takes them)."""
        ...

    def submit(self, event: RunEvent, /, lazy: bool = False) -> Future[Any]:
        """`lazy`: nobody waits for it, so it may share a commit with later events."""
        ...
