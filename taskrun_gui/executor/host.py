"""Serving a data dir: the host lock, crash recovery, the writer and the executor, for the
window, `taskrun daemon` and a CLI that becomes the host for its own runs."""

from __future__ import annotations

import os

from PySide6.QtCore import QObject

from taskrun_gui.engine.locks import FileLock, host_lock
from taskrun_gui.engine.recovery import recover_dead_runs
from taskrun_gui.executor.service import ExecutorService
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import HealthCallback, StoreWriter


class Host:
    def __init__(
        self,
        store: Store,
        workers: int | None = None,
        on_health: HealthCallback | None = None,
        parent: QObject | None = None,
        schedules: bool = True,
    ) -> None:
        """`schedules`: fire scheduled tasks (a host started only for CLI work does not)."""
        self.store = store
        self.lock: FileLock = host_lock(store.locks_dir)
        self.writer = StoreWriter(store)
        self.executor = ExecutorService(
            store, self.writer, workers, parent=parent, schedules=schedules
        )
        self._health_receivers = [] if on_health is None else [on_health]
        if on_health is not None:
            self.executor.store_health_changed.connect(on_health)

    def try_serve(self) -> bool:
        """Become the one host of the data dir: take the lock, recover what a dead host left,
        start polling for queued runs. False when another process already serves it."""
        if not self.lock.try_acquire():
            return False
        self.lock.write_owner(f"{os.getpid()}\n")
        if self.store.writable:
            try:
                recover_dead_runs(self.store)
            except Exception as exc:  # a store refusing writes: recover next time
                self.executor.store_health_changed.emit(False, str(exc))
        self.executor.start()
        return True

    def become_client(self) -> None:
        """Another process serves the data dir: follow and drive it instead of running."""
        from taskrun_gui.executor.client import ClientExecutor  # only windows need it

        old = self.executor
        self.executor = ClientExecutor(self.store, self.writer, old.workers, parent=old.parent())
        for receiver in self._health_receivers:
            self.executor.store_health_changed.connect(receiver)
        old.deleteLater()
        self.executor.start()

    @property
    def serving(self) -> bool:
        return self.lock.held

    def close(self, cancel_running: bool = True, timeout: float = 10.0) -> None:
        self.executor.shutdown(cancel_running=cancel_running, timeout=timeout)
        self.writer.close()
        self.lock.release()
