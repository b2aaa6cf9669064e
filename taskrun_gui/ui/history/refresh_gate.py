"""Coalescing the history's count-and-first-page refreshes.

Runs start and finish in bursts (a schedule firing twenty tasks); each event asks for a
refresh, but the table only needs the latest state: one refresh in flight at a time, live
triggers at most once per interval, asks made meanwhile folded into one more afterwards. Work
that needs a settled count (locating a run) waits for the refresh in flight.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 250  # live refreshes of the count and first page: at most 4 a second


class RefreshGate(QObject):
    def __init__(
        self, start: Callable[[], None], parent: QObject, interval_ms: int = INTERVAL_MS
    ) -> None:
        super().__init__(parent)
        self._start = start
        self._busy = self._again = False
        self._after: list[Callable[[], None]] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)

    @property
    def busy(self) -> bool:
        return self._busy

    def soon(self) -> None:
        """Refresh within one interval; more asks before then change nothing (the throttle)."""
        if not self._timer.isActive():
            self._timer.start()

    def now(self) -> None:
        """Refresh now, or right after the one in flight."""
        if self._busy:
            self._again = True
            return
        self._busy = True
        self._start()

    def after(self, call: Callable[[], None]) -> None:
        """Call when no refresh is in flight (at once if none is)."""
        if self._busy:
            self._after.append(call)
        else:
            call()

    def finished(self, ok: bool) -> None:
        """The refresh in flight is done (applied, or failed: then waiting work is dropped)."""
        self._busy = False
        waiting, self._after = self._after, []
        for call in waiting if ok else ():
            call()
        if self._again:
            self._again = False
            self.now()

    def _on_timer_timeout(self) -> None:
        self.now()
