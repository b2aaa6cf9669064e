"""What workers and the poller report, carried in order to the host's home thread.

Reporters do not wake the home thread once per event: the first event of a batch (or an urgent
one) calls `wake`, later ones ride along. A burst of a thousand short runs is a handful of
wake-ups, not three thousand (see `delay` for the pace the home thread takes them at)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

MAIL_EVERY = 0.02  # seconds between two takes of the reports (states, output)

# ("state", RunRecord), ("output", uid, text, log offset after it), ("done", RunResult, Active),
# ("foreign", [ForeignRun]), ("controls", [RunRecord]), ("fires", [Fire]), ("health", ok, text),
# ("retention", CleanupResult | None, error), ("alert", RaisedAlert)
Event = tuple[Any, ...]


class Mailbox:
    def __init__(self, wake: Callable[[], None] = lambda: None) -> None:
        """`wake`: called on the posting thread when the home thread should come and look."""
        self.wake = wake
        self._lock = threading.Lock()
        self._events: list[Event] = []
        self._urgent = False
        self._taken_at = 0.0

    def post(self, event: Event, urgent: bool = False) -> None:
        """`urgent`: the home thread should not wait to take it (see `delay`)."""
        with self._lock:
            self._events.append(event)
            first = len(self._events) == 1
            self._urgent = self._urgent or urgent
        if first or urgent:  # later ones ride along with the wake-up already on its way
            self.wake()

    @property
    def urgent(self) -> bool:
        """An event posted as urgent waits to be taken."""
        return self._urgent

    def delay(self) -> float:
        """Seconds the home thread should wait before taking (0: now): at most one take every
        MAIL_EVERY seconds, at once for something urgent (someone may be waiting for idle)."""
        if self._urgent:
            return 0.0
        return max(0.0, self._taken_at + MAIL_EVERY - time.monotonic())

    def take(self) -> list[Event]:
        with self._lock:
            events, self._events = self._events, []
            self._urgent = False
        self._taken_at = time.monotonic()
        return events
