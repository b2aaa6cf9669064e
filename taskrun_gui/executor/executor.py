"""The executor a window drives, whoever executes the runs: this process (ExecutorService,
when it serves the data dir) or the process that serves it (ClientExecutor, following a
`taskrun daemon`). The host switches between the two (a window takes over when its daemon
goes away); widgets connect to this object once and never see the switch."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, SignalInstance

from taskrun_gui.core.models import RunRecord, TaskSpec, Trigger
from taskrun_gui.executor.backend import SIGNALS, Backend
from taskrun_gui.storage.writer import StoreWriter


class Executor(QObject):
    run_queued = Signal(object)  # RunRecord
    run_state_changed = Signal(object)  # RunRecord (running, paused, final)
    run_output = Signal(str, str, object)  # uid, text, log offset
    run_finished = Signal(object)  # final RunRecord
    queue_changed = Signal()
    store_health_changed = Signal(bool, str)
    idle = Signal()
    serving_changed = Signal(bool, str)  # runs execute here now?, what to tell the user

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._backend: Backend | None = None
        self.serving = False

    @property
    def backend(self) -> Backend:
        assert self._backend is not None, "the host has not attached a backend yet"
        return self._backend

    def attach(self, backend: Backend, serving: bool) -> Backend | None:
        """Route everything to `backend` from now on; returns the one it replaces (the caller
        shuts that down)."""
        old = self._backend
        if old is not None:
            for name in SIGNALS:
                signal: SignalInstance = getattr(old, name)
                signal.disconnect(getattr(self, name))
        for name in SIGNALS:
            getattr(backend, name).connect(getattr(self, name))
        self._backend = backend
        self.serving = serving
        return old

    @property
    def writer(self) -> StoreWriter:
        """The writer the runs are recorded through (its commits reach the change hub)."""
        return self.backend.writer

    # -- what the window asks ---------------------------------------------------------------
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
        return self.backend.enqueue(task_id, version, spec, given, trigger, repeat, priority)

    def cancel(self, uid: str) -> bool:
        return self.backend.cancel(uid)

    def pause(self, uid: str) -> bool:
        return self.backend.pause(uid)

    def resume(self, uid: str) -> bool:
        return self.backend.resume(uid)

    def move(self, uid: str, new_index: int) -> None:
        self.backend.move(uid, new_index)

    def queue(self) -> list[RunRecord]:
        return self.backend.queue()

    def queue_uids(self) -> set[str]:
        return self.backend.queue_uids()

    def running(self) -> list[RunRecord]:
        return self.backend.running()

    def is_busy(self) -> bool:
        return self.backend.is_busy()

    @property
    def workers(self) -> int:
        return self.backend.workers

    def set_workers(self, n: int) -> None:
        self.backend.set_workers(n)

    def set_queue_paused(self, paused: bool) -> None:
        self.backend.set_queue_paused(paused)

    @property
    def queue_paused(self) -> bool:
        return self.backend.queue_paused

    @property
    def poll_interval(self) -> float:
        return self.backend.poll_interval

    def shutdown(self, cancel_running: bool = True, timeout: float = 10.0) -> None:
        if self._backend is not None:
            self._backend.shutdown(cancel_running=cancel_running, timeout=timeout)
