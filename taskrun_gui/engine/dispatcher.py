"""Starting queued runs away from the home thread, on a shared history. There each start
takes its task's slot with a round trip to the database server (storage/pg_slots.py, at most
0.5 s each), and the window's home thread is its UI thread: a burst queued from the window, or
a slow server, would freeze it. So the host's dispatch asks this thread, which starts what may
start and posts the outcome home, where the next try is planned and the queue's change told.
Requests that come while it is busy are one more pass, not one each."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from taskrun_gui.core.timefmt import now_ms
from taskrun_gui.engine.mailbox import Event

log = logging.getLogger(__name__)

StartReady = Callable[[], tuple[bool, int | None]]  # (any started, when the next try is due)


class Dispatcher:
    def __init__(self, start_ready: StartReady, post: Callable[[Event], None]) -> None:
        self._start_ready = start_ready
        self._post = post  # ("dispatched", started, next_due) to the home thread
        self._wanted = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="taskrun-dispatch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def request(self) -> None:
        """Start what may start, soon, on this thread (one pass for every request so far)."""
        self._wanted.set()

    def stop(self) -> None:
        self._stopping = True
        self._wanted.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def _loop(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()  # a request from now on is one more pass
            if self._stopping:
                return
            try:
                started, next_due = self._start_ready()
            except Exception:  # e.g. no file descriptor left for a slot: try again soon
                log.exception("could not start queued runs")
                started, next_due = True, now_ms() + 1000
            self._post(("dispatched", started, next_due))
