"""Runs engine/log_search.py on a pool thread for the window and hands its answers to the UI
thread in batches (at most one every BATCH_MS), so a search that finds thousands of runs a
second costs the UI a few inserts, not thousands. Never touches a widget."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, QRunnable, Signal

from taskrun_gui.engine.log_search import LogHit, Pattern, SearchProgress, search_logs
from taskrun_gui.storage.runs_repo import RunFilter

BATCH_MS = 100


class SearchSignals(QObject):
    """Lives on the UI thread: the worker's emits arrive there, queued."""

    found = Signal(object)  # list[LogHit], newest first
    progressed = Signal(object)  # SearchProgress (a copy)
    finished = Signal(object)  # SearchProgress, or an Exception


class OutputSearch(QRunnable):
    """One search; `stop()` from any thread ends it at the next batch of logs."""

    def __init__(self, flt: RunFilter, pattern: Pattern, limit: int | None = None) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the dialog keeps it until `finished`
        self.signals = SearchSignals()
        self._flt, self._pattern, self._limit = flt, pattern, limit
        self._stop = threading.Event()
        self._hits: list[LogHit] = []
        self._last = 0.0

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        try:
            done = search_logs(
                self._flt,
                self._pattern,
                self._on_hit,
                self._on_progress,
                self._stop.is_set,
                self._limit,
            )
        except Exception as exc:  # the dialog must hear an end, whatever happened
            self._flush()
            self.signals.finished.emit(exc)
            return
        self._flush()
        self.signals.finished.emit(done)

    def _on_hit(self, hit: LogHit) -> None:
        self._hits.append(hit)

    def _on_progress(self, progress: SearchProgress) -> None:
        now = time.monotonic()
        if now - self._last >= BATCH_MS / 1000:
            self._last = now
            self._flush()
            copy = SearchProgress(**vars(progress))
            self.signals.progressed.emit(copy)

    def _flush(self) -> None:
        if self._hits:
            hits, self._hits = self._hits, []
            self.signals.found.emit(hits)
