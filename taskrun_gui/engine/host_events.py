"""What the engine host reports, in the order it happened, on its home thread: the window's
bridge turns these into Qt signals, the daemon into lines on stderr and exit decisions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from taskrun_gui.core.models import RunRecord
from taskrun_gui.engine.alerts import RaisedAlert
from taskrun_gui.storage.retention import CleanupResult


@dataclass(frozen=True)
class RunQueued:
    record: RunRecord


@dataclass(frozen=True)
class RunStateChanged:
    record: RunRecord  # running, paused, running again, final


@dataclass(frozen=True)
class RunOutput:
    uid: str
    text: str
    offset: int  # in the log file, after this text


@dataclass(frozen=True)
class RunFinished:
    record: RunRecord  # final


@dataclass(frozen=True)
class QueueChanged:
    pass


@dataclass(frozen=True)
class StoreHealth:
    ok: bool
    message: str


@dataclass(frozen=True)
class HostIdle:
    """Nothing queued, waiting out a backoff or running here."""


@dataclass(frozen=True)
class RetentionApplied:
    result: CleanupResult | None  # None: it failed
    error: str = ""


@dataclass(frozen=True)
class SuccessRateAlert:
    raised: RaisedAlert


HostEvent = (
    RunQueued
    | RunStateChanged
    | RunOutput
    | RunFinished
    | QueueChanged
    | StoreHealth
    | HostIdle
    | RetentionApplied
    | SuccessRateAlert
)
EventSink = Callable[[HostEvent], None]
