"""The one place the window learns that runs changed (Anki's `operation_did_execute`).

Two sources, announced together once per turn of the event loop as one `RunChanges`:
- the executor's signals: the newest state of each run (in memory, before the store has it),
  and the executor's live picture (running, queued) read once for every view;
- the writer's commits: the store now holds those runs, so a view that reads the store sees
  them (no reader ever flushes the writer), and what the finish decided (`slow`).
A window following a daemon reads run states from the store: those are stored already.
- on a shared PostgreSQL history, the store's notifications (storage/pg_listen.py): another
  node's run changed, so the store holds news no writer of this window committed.

Each view takes what it shows: the in-memory records at once, a store read (throttled, only
while visible, see `Refresher`) when the store changed.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from taskrun_gui.core.models import RunRecord
from taskrun_gui.core.run_events import RunEvent, RunFinished
from taskrun_gui.executor.executor import Executor
from taskrun_gui.storage import pg_listen
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.recorder import Finished
from taskrun_gui.storage.writer import StoreWriter

KEEP_RECORDED = 2000


@dataclass
class RunChanges:
    runs: list[RunRecord] = field(default_factory=list)  # newest state of each, oldest first
    finished: list[RunRecord] = field(default_factory=list)  # runs that ended, in order
    queue: bool = False  # the queue or the running set changed
    stored: bool = False  # the store holds new run states: store reads see more now
    recorded: dict[str, bool] = field(default_factory=dict)  # uid -> slow, finishes stored
    running: list[RunRecord] = field(default_factory=list)  # the executor's, after the changes
    queued: list[RunRecord] = field(default_factory=list)


class ChangeHub(QObject):
    changed = Signal(object)  # RunChanges, on the UI thread
    _committed = Signal(object)  # what the writer committed, from its thread
    _elsewhere = Signal()  # runs changed in the store (another node), from the listener

    def __init__(
        self, executor: Executor, writer: StoreWriter, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._executor = executor
        self._next = RunChanges()
        self._runs: dict[str, RunRecord] = {}
        # finishes committed lately: the commit can come before the executor reports the run
        # ended, and each finish is announced as recorded with or after the finish itself
        self._recorded: OrderedDict[str, bool] = OrderedDict()
        self._due = False
        executor.run_queued.connect(self._on_run)
        executor.run_state_changed.connect(self._on_run)
        executor.run_finished.connect(self._on_run)
        executor.queue_changed.connect(self._on_queue_changed)
        self._committed.connect(self._on_committed)
        writer.on_commit = self._committed.emit  # a queued signal: emitted on the writer's thread
        self._notices: pg_listen.Subscription | None = None
        self._elsewhere_told = False  # one queued signal at a time, however many notices
        self._elsewhere.connect(self._on_elsewhere)

    def follow_store(self, store: Store) -> None:
        """On a shared server, runs other nodes queue, start and end reach the views within
        a second (each still reads at its own throttled pace, only while visible)."""
        self._notices = pg_listen.subscribe(store.url, self._on_notices)

    def close(self) -> None:
        if self._notices is not None:
            self._notices.close()
            self._notices = None

    def _on_notices(self, _notices: list[pg_listen.RunNotice], _look_again: bool) -> None:
        """On the listener's thread: hand over to the UI thread, one signal for a burst."""
        if not self._elsewhere_told:
            self._elsewhere_told = True
            self._elsewhere.emit()

    def _on_elsewhere(self) -> None:
        self._elsewhere_told = False
        self._next.stored = True
        self._schedule()

    def _on_run(self, rec: RunRecord) -> None:
        """Every signal of a run: its newest state is what counts (a final state arrives on
        two signals, and is announced once)."""
        seen = self._runs.get(rec.uid)
        if seen is not None and seen.status.is_final:
            return
        self._runs[rec.uid] = rec
        if rec.status.is_final:
            self._next.finished.append(rec)
            if not self._executor.serving:  # followed from the store: it is there already
                self._next.recorded[rec.uid] = rec.slow
            elif rec.uid in self._recorded:
                self._next.recorded[rec.uid] = self._recorded[rec.uid]
        if not self._executor.serving:
            self._next.stored = True
        self._schedule()

    def _on_queue_changed(self) -> None:
        self._next.queue = True
        self._schedule()

    def _on_committed(self, done: list[tuple[RunEvent, Any]]) -> None:
        self._next.stored = True
        for event, result in done:
            if isinstance(event, RunFinished) and isinstance(result, Finished):
                self._next.recorded[event.uid] = self._recorded[event.uid] = result.slow
        while len(self._recorded) > KEEP_RECORDED:
            self._recorded.popitem(last=False)
        self._schedule()

    def _schedule(self) -> None:
        if not self._due:
            self._due = True
            QTimer.singleShot(0, self._emit)

    def _emit(self) -> None:
        self._due = False
        changes, self._next = self._next, RunChanges()
        changes.runs = list(self._runs.values())
        self._runs = {}
        if changes.runs or changes.queue:
            changes.running = self._executor.running()
            changes.queued = self._executor.queue()
            changes.queue = True
        self.changed.emit(changes)
