"""The window's RunPool: a QThreadPool (the product's design; the daemon gives the same engine
host plain threads, engine/pools.py).

A pool thread takes runs from one queue until it is empty, rather than one QRunnable per run:
Python code on a Qt thread runs in a Python thread state that Shiboken makes when the
runnable starts and drops when it returns, so a runnable per run made and freed one per run
(with a stack chunk mapped and unmapped, each unmap a TLB shootdown on every core), and lost
every thread-local buffer. A burst's runs now share their thread's state. At most
`max_workers` runnables drain at once; QThreadPool keeps its own limit and thread reuse."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool

log = logging.getLogger(__name__)


class RunWorker(QRunnable):
    """One pool thread's turn: runs until the queue is empty; owned by the pool once started
    (auto-delete): the host keeps the jobs, not this."""

    def __init__(self, drain: Callable[[], None]) -> None:
        super().__init__()
        self.drain = drain

    def run(self) -> None:
        self.drain()


class QtRunPool:
    def __init__(self, workers: int, parent: QObject | None = None) -> None:
        self.pool = QThreadPool(parent)
        self.pool.setMaxThreadCount(max(1, workers))
        self._jobs: deque[Callable[[], None]] = deque()
        self._lock = threading.Lock()
        self._draining = 0  # runnables started that have not seen the queue empty yet

    def start(self, fn: Callable[[], None]) -> None:
        with self._lock:
            self._jobs.append(fn)
            if self._draining >= self.pool.maxThreadCount():
                return  # a draining thread takes it when its run ends
            self._draining += 1
        self.pool.start(RunWorker(self._drain))

    def _drain(self) -> None:
        while True:
            with self._lock:  # fewer workers asked for: the extra threads end here
                if not self._jobs or self._draining > self.pool.maxThreadCount():
                    self._draining -= 1
                    return
                fn = self._jobs.popleft()
            try:
                fn()
            except Exception:  # a run's function reports its own failures; the last guard
                log.exception("a pool job failed")

    @property
    def max_workers(self) -> int:
        return self.pool.maxThreadCount()

    def set_max_workers(self, n: int) -> None:
        self.pool.setMaxThreadCount(max(1, n))
        with self._lock:  # more room: queued runs start now, not when a run ends
            more = max(0, min(len(self._jobs), self.pool.maxThreadCount() - self._draining))
            self._draining += more
        for _ in range(more):
            self.pool.start(RunWorker(self._drain))

    def wait(self, timeout: float) -> bool:
        return self.pool.waitForDone(int(timeout * 1000))
