"""The window's RunPool: a QThreadPool, one QRunnable per run (the product's design; the
daemon gives the same engine host plain threads, engine/pools.py)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool


class RunWorker(QRunnable):
    """One run on a pool thread; owned by the pool once started (auto-delete): the host keeps
    the job, not this."""

    def __init__(self, fn: Callable[[], None]) -> None:
        super().__init__()
        self.fn = fn

    def run(self) -> None:
        self.fn()


class QtRunPool:
    def __init__(self, workers: int, parent: QObject | None = None) -> None:
        self.pool = QThreadPool(parent)
        self.pool.setMaxThreadCount(max(1, workers))

    def start(self, fn: Callable[[], None]) -> None:
        self.pool.start(RunWorker(fn))

    @property
    def max_workers(self) -> int:
        return self.pool.maxThreadCount()

    def set_max_workers(self, n: int) -> None:
        self.pool.setMaxThreadCount(max(1, n))

    def wait(self, timeout: float) -> bool:
        return self.pool.waitForDone(int(timeout * 1000))
