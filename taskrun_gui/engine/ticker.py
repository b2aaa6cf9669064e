"""A thread that looks at the store every `interval` seconds (and stops at once when asked), for
the host's poller and a window's watcher: database reads never happen on the UI thread."""

from __future__ import annotations

import logging
import threading

from taskrun_gui.storage.db import Store

log = logging.getLogger(__name__)


class StoreTicker:
    def __init__(self, store: Store, name: str, interval: float) -> None:
        self.store = store
        self.interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self.woken = True  # this pass was asked for (wake()), not only due: the first is
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def wake(self) -> None:
        """Look now instead of at the next tick."""
        self._wake.set()

    def poll_once(self) -> None:
        raise NotImplementedError

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception as exc:  # a locked or busy store: try again next tick
                log.debug("%s: %s", self._thread.name, exc)
            self.woken = self._wake.wait(self.interval)
            self._wake.clear()
        self.store.db.close()  # this thread's connection
