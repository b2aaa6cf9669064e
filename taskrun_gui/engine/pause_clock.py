"""How long a run has spent paused: the time its statistics leave out.

A run's recorded duration is its active time (what trends, percentiles, daily aggregates and
the slow-run flag compare), its wall time that plus the paused time (what a view shows). The
supervisor says when the process stops and continues; a run that ends while paused (cancelled,
say) counts its pause up to its end."""

from __future__ import annotations

import threading
import time


class PauseClock:
    def __init__(self) -> None:
        self._lock = threading.Lock()  # the supervisor's thread marks, the runner reads
        self._total = 0.0
        self._since: float | None = None

    def mark(self, paused: bool) -> None:
        now = time.monotonic()
        with self._lock:
            if paused and self._since is None:
                self._since = now
            elif not paused and self._since is not None:
                self._total += now - self._since
                self._since = None

    def total_ms(self) -> int:
        """Paused milliseconds so far, a pause still going included."""
        with self._lock:
            ongoing = 0.0 if self._since is None else time.monotonic() - self._since
            return round((self._total + ongoing) * 1000)
