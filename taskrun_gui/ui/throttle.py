"""The one timing helper of the window: call a function at most once per interval however
often it is asked for (a throttle), or once things went quiet for an interval (a debounce).

Runs start and finish in bursts and users type fast; what follows (a query, a filter) only
needs the latest state. superqt's `qthrottled`/`qdebounced` do the same, but they would bring
a dependency (and qtpy) for twenty lines, and they know nothing of what `Refresher` adds on
top: one read in flight at a time, and no read at all while the view is hidden.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


class Throttle(QObject):
    """`ask()` calls `fn` once within `interval_ms`; `debounce=True`: once `interval_ms`
    after the last ask (typing). `now()` calls it at once and drops what was asked."""

    def __init__(
        self,
        fn: Callable[[], None],
        interval_ms: int,
        parent: QObject | None = None,
        debounce: bool = False,
    ) -> None:
        super().__init__(parent)
        self._fn = fn
        self._debounce = debounce
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._fire)

    @property
    def pending(self) -> bool:
        """A call is due (asked for, not made yet)."""
        return self._timer.isActive()

    def ask(self) -> None:
        if self._debounce or not self._timer.isActive():
            self._timer.start()

    def now(self) -> None:
        self._timer.stop()
        self._fn()

    def cancel(self) -> None:
        self._timer.stop()

    def _fire(self) -> None:
        self._fn()
