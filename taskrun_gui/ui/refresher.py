"""A view's reload from the store: throttled, one in flight, and none while nobody sees it.

Runs start and finish in bursts (a schedule firing twenty tasks); each change asks for a
reload, but a view only needs the latest state: one reload in flight at a time, live asks at
most once per interval, asks made meanwhile folded into one more afterwards. While the view is
hidden (another tab, the window in the tray) an ask only marks it stale; it reloads when it is
shown again (Anki's `refresh_if_needed`). Work that needs a settled view (locating a run in
the history) waits for the reload in flight.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from taskrun_gui.ui.throttle import Throttle

INTERVAL_MS = 250  # live reloads of a view: at most 4 a second


class Refresher(QObject):
    def __init__(
        self,
        start: Callable[[], None],
        parent: QObject,
        interval_ms: int = INTERVAL_MS,
        shown: Callable[[], bool] = lambda: True,
    ) -> None:
        """`start` begins a reload (a worker read) and calls `finished` when it is done;
        `shown` says whether anyone can see the view now."""
        super().__init__(parent)
        self._start = start
        self.shown = shown
        self._busy = self._again = self._stale = False
        self._after: list[Callable[[], None]] = []
        self._throttle = Throttle(self.now, interval_ms, self)

    @property
    def busy(self) -> bool:
        """A reload is in flight."""
        return self._busy

    @property
    def idle(self) -> bool:
        """No reload in flight or due."""
        return not self._busy and not self._throttle.pending

    @property
    def stale(self) -> bool:
        return self._stale

    def soon(self) -> None:
        """Reload within one interval if the view is shown; else when it is shown next."""
        if not self.shown():
            self._stale = True
            self._throttle.cancel()
            return
        self._throttle.ask()

    def now(self) -> None:
        """Reload now, or right after the one in flight."""
        self._throttle.cancel()
        self._stale = False
        if self._busy:
            self._again = True
            return
        self._busy = True
        self._start()

    def refresh_if_needed(self) -> None:
        """The view became visible: reload if something changed while it was hidden."""
        if self._stale:
            self.now()

    def after(self, call: Callable[[], None]) -> None:
        """Call when no reload is in flight (at once if none is)."""
        if self._busy:
            self._after.append(call)
        else:
            call()

    def finished(self, ok: bool) -> None:
        """The reload in flight is done (applied, or failed: then waiting work is dropped)."""
        self._busy = False
        waiting, self._after = self._after, []
        for call in waiting if ok else ():
            call()
        if self._again:
            self._again = False
            self.now()
