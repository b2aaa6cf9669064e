"""What executes a window's runs, seen from the window: one interface, two implementations.
`ExecutorService` hosts the data dir here (an engine host on a QThreadPool); `ClientExecutor`
follows the process that hosts it elsewhere (a `taskrun daemon`). The Executor facade routes
to one of them and the Host switches it (a window takes over when its daemon goes away)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from taskrun_gui.core.models import RunRecord, TaskSpec, Trigger
from taskrun_gui.storage.writer import StoreWriter

SIGNALS = (
    "run_queued",
    "run_state_changed",
    "run_output",
    "run_finished",
    "queue_changed",
    "store_health_changed",
    "idle",
)


class Backend(QObject):
    run_queued = Signal(object)  # RunRecord
    run_state_changed = Signal(object)  # RunRecord (running, paused, final)
    run_output = Signal(str, str, object)  # uid, text, log offset
    run_finished = Signal(object)  # final RunRecord
    queue_changed = Signal()
    store_health_changed = Signal(bool, str)
    idle = Signal()  # nothing queued, waiting for a retry or running

    writer: StoreWriter  # the runs are recorded through it (flush it to read them back)

    def start(self) -> None:
        raise NotImplementedError

    def shutdown(self, cancel_running: bool = True, timeout: float = 10.0) -> None:
        raise NotImplementedError

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
        """Queue `repeat` runs; raises params.ParamError for bad parameters."""
        raise NotImplementedError

    def cancel(self, uid: str) -> bool:
        raise NotImplementedError

    def pause(self, uid: str) -> bool:
        raise NotImplementedError

    def resume(self, uid: str) -> bool:
        raise NotImplementedError

    def move(self, uid: str, new_index: int) -> None:
        raise NotImplementedError

    def queue(self) -> list[RunRecord]:
        raise NotImplementedError

    def queue_uids(self) -> set[str]:
        """Runs queued or running (an ended run counts until it is reported)."""
        raise NotImplementedError

    def running(self) -> list[RunRecord]:
        raise NotImplementedError

    def is_busy(self) -> bool:
        raise NotImplementedError

    @property
    def workers(self) -> int:
        raise NotImplementedError

    def set_workers(self, n: int) -> None:
        raise NotImplementedError

    def set_queue_paused(self, paused: bool) -> None:
        raise NotImplementedError

    @property
    def queue_paused(self) -> bool:
        raise NotImplementedError

    @property
    def poll_interval(self) -> float:
        raise NotImplementedError
