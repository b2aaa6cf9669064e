"""What passes between a run's host and its supervisor while the process runs: the host's
requests (cancel, pause, resume), and the identity of the process once it is spawned."""

from __future__ import annotations

import threading
from dataclasses import dataclass


class RunControl:
    """Requests from the host to a running process; safe to call from any thread."""

    def __init__(self) -> None:
        self.cancelled = threading.Event()
        self._paused = threading.Event()
        self._lock = threading.Lock()

    def cancel(self) -> None:
        self.cancelled.set()

    def pause(self) -> None:
        self._paused.set()

    def resume(self) -> None:
        self._paused.clear()

    @property
    def pause_requested(self) -> bool:
        return self._paused.is_set()


@dataclass
class Spawned:
    pid: int
    pgid: int
    create_time: float | None
