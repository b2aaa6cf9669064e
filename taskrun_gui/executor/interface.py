"""What executes a window's runs, seen from the window: the signals it connects to and the
requests it makes, each declared once. Two implementations: `ExecutorService` hosts the data
dir here (the engine host on a QThreadPool), `ClientExecutor` follows the process that hosts it
elsewhere (a `taskrun daemon`). The window holds an `Executor` (executor.py), which routes to
one of them; the Host (host.py) switches it when the window takes over from its daemon."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QObject, Signal

from taskrun_gui.core.models import RunRecord, TaskSpec, Trigger
from taskrun_gui.storage.writer import StoreWriter


class RunSignals(QObject):
    """What both implementations emit, on the UI thread; the Executor relays the current
    one's."""

    run_queued = Signal(object)  # RunRecord
    run_state_changed = Signal(object)  # RunRecord (running, paused, final)
    run_output = Signal(str, str, object)  # uid, text, log offset (object: past 2 GiB)
    run_finished = Signal(object)  # final RunRecord
    queue_changed = Signal()
    store_health_changed = Signal(bool, str)
    idle = Signal()  # nothing queued, waiting for a retry or running


SIGNAL_NAMES = tuple(name for name, value in vars(RunSignals).items() if isinstance(value, Signal))


class RunExecutor(Protocol):
    """What the window asks of whoever executes its runs (UI thread only)."""

    @property
    def writer(self) -> StoreWriter:
        """The writer the runs are recorded through (flush it to read them back)."""
        ...

    def shutdown(self, cancel_running: bool = True, timeout: float = 10.0) -> None:
        """Stop taking work; a host here cancels (or lets finish) what runs and waits."""

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
        """Queue `repeat` runs; raises params.ParamError for bad parameters."""
        ...

    def cancel(self, uid: str) -> bool: ...

    def pause(self, uid: str) -> bool: ...

    def resume(self, uid: str) -> bool: ...

    def move(self, uid: str, new_index: int) -> None:
        """Put a queued run at another place in the queue."""

    def queue(self) -> list[RunRecord]:
        """The queued runs, in the order they start."""
        ...

    def queue_uids(self) -> set[str]:
        """Runs queued or running (an ended run counts until it is reported)."""
        ...

    def running(self) -> list[RunRecord]: ...

    def shown_secrets(self, uid: str) -> list[str] | None:
        """The values to mask in what is shown of a running run (its secret parameters');
        None: not known (show nothing that could hold one). May read the store: call it
        off the UI thread (the Monitor's sampler does)."""
        ...

    def is_busy(self) -> bool: ...

    @property
    def workers(self) -> int: ...

    def set_workers(self, n: int) -> None: ...

    def set_queue_paused(self, paused: bool) -> None: ...

    @property
    def queue_paused(self) -> bool: ...
