"""What the engine host needs from the threads its runs execute on, and the ones the daemon
gives it: plain threads (the window gives it a QThreadPool, see executor/qt_pool.py).

A run's function starts the next ready run itself before it returns (no round trip to another
thread between two runs), so `start` is called from the pool's own threads too."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)


class RunPool(Protocol):
    def start(self, fn: Callable[[], None]) -> None:
        """Run `fn` on a pool thread, as soon as one is free (never rejects)."""

    @property
    def max_workers(self) -> int: ...

    def set_max_workers(self, n: int) -> None: ...

    def wait(self, timeout: float) -> bool:
        """Wait until nothing runs or is waiting to; False when `timeout` passed first."""


class HomeLoop(Protocol):
    """The thread the host's state lives on (the window's UI thread, the daemon's main)."""

    def mail_arrived(self) -> None:
        """Any thread: the host's mailbox has something; have the home thread take it (at
        the pace `Mailbox.delay` says)."""

    def dispatch_in(self, seconds: float | None) -> None:
        """Home thread: call the host's `dispatch` after `seconds` (None: no call pending)."""


class ThreadPool:
    """Threads made on demand up to `max_workers`, kept while there is work."""

    IDLE_EXIT = 30.0  # seconds a thread waits for work before it ends (as QThreadPool's)

    def __init__(self, max_workers: int, name: str = "taskrun-run") -> None:
        self._max = max(1, max_workers)
        self._name = name
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._cond = threading.Condition()
        self._threads = 0
        self._idle = 0
        self._pending = 0  # started and not returned yet

    @property
    def max_workers(self) -> int:
        return self._max

    def set_max_workers(self, n: int) -> None:
        self._max = max(1, n)

    def start(self, fn: Callable[[], None]) -> None:
        with self._cond:  # a claim and its job go together: a thread timing out sees both
            self._pending += 1
            if self._idle > 0 or self._threads >= self._max:
                self._idle = max(0, self._idle - 1)  # an idle thread (or the next free) takes it
                self._jobs.put(fn)
                return
            self._threads += 1
        threading.Thread(target=self._work, args=(fn,), name=self._name, daemon=True).start()

    def _work(self, fn: Callable[[], None]) -> None:
        while True:
            try:
                fn()
            except Exception:  # a run's function reports its own failures; the last guard
                log.exception("a pool job failed")
            with self._cond:
                self._pending -= 1
                if self._pending == 0:
                    self._cond.notify_all()
                self._idle += 1
            while True:
                try:
                    job = self._jobs.get(timeout=self.IDLE_EXIT)
                    if job is None:  # closing: this thread ends
                        with self._cond:
                            self._idle -= 1
                            self._threads -= 1
                        return
                    fn = job
                    break
                except queue.Empty:
                    with self._cond:
                        if self._jobs.empty():  # nothing was claimed for this thread
                            self._idle -= 1
                            self._threads -= 1
                            return

    def wait(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, max(0.0, timeout))

    def close(self) -> None:
        """After `wait`: end the idle threads now rather than after IDLE_EXIT."""
        with self._cond:
            for _ in range(self._threads):
                self._jobs.put(None)
