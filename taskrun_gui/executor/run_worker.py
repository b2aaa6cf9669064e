"""One run on a QThreadPool thread, and the mailbox it reports through.

Workers do not emit a signal per event: they post to a `RunMailbox`, which wakes the service's
thread once per batch (a burst of a thousand short runs is a handful of wake-ups, not three
thousand queued signals), in the order the events happened."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Signal

from taskrun_gui.engine.runner import RunHooks, RunJob, RunResult, execute_run
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import StoreWriter

log = logging.getLogger(__name__)

# What a mailbox carries: ("state", RunRecord), ("output", uid, text, log offset after it),
# ("done", RunResult, the service's record of the run)
Event = tuple[Any, ...]


class RunMailbox(QObject):
    """Events from any thread, delivered in order on the mailbox's thread."""

    arrived = Signal()  # there is something to take(); one signal per batch

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._events: list[Event] = []
        self._urgent = False

    def post(self, event: Event, urgent: bool = False) -> None:
        """`urgent`: the receiver should not wait to take it (see `urgent`)."""
        with self._lock:
            self._events.append(event)
            first = len(self._events) == 1
            self._urgent = self._urgent or urgent
        if first or urgent:  # later ones ride along with the wake-up already on its way
            self.arrived.emit()

    @property
    def urgent(self) -> bool:
        """An event posted as urgent waits to be taken."""
        return self._urgent

    def take(self) -> list[Event]:
        with self._lock:
            events, self._events = self._events, []
            self._urgent = False
        return events


class RunWorker(QRunnable):
    """Owned by the pool once started (auto-delete): the service keeps the job, not this."""

    def __init__(
        self,
        job: RunJob,
        store: Store,
        writer: StoreWriter,
        mailbox: RunMailbox,
        on_done: Callable[[RunResult], None],
    ) -> None:
        super().__init__()
        self.job = job
        self.store = store
        self.writer = writer
        self.mailbox = mailbox
        self.on_done = on_done  # called on this thread with the result; it reports "done"

    def run(self) -> None:
        uid = self.job.record.uid
        post = self.mailbox.post
        hooks = RunHooks(
            on_state=lambda rec: post(("state", rec)),
            on_output=lambda text, offset: post(("output", uid, text, offset)),
        )
        try:
            result = execute_run(self.job, self.store, self.writer, hooks)
        except Exception:  # execute_run records its own failures; this is the last guard
            log.exception("worker for run %s crashed", uid)
            result = RunResult(self.job.record)
        self.on_done(result)
