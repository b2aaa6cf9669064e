"""Database work off the UI thread (Anki's QueryOp): reads run on a small pool, writes go
through the store's one writer; either way the callback runs on the UI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import StoreWriter

log = logging.getLogger(__name__)
T = TypeVar("T")


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Read(QRunnable):
    def __init__(self, store: Store, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.store, self.fn, self.relay = store, fn, relay

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:
            self.relay.failed.emit(exc)
        else:
            self.relay.done.emit(result)


class QueryRunner(QObject):
    def __init__(self, store: Store, writer: StoreWriter, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.writer = writer
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.slow_pool = QThreadPool(self)  # network round trips, off the reads' threads
        self.slow_pool.setMaxThreadCount(1)
        self._relays: set[_Relay] = set()

    def _relay(
        self,
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None] | None,
        owner: QObject | None,
    ) -> _Relay:
        relay = _Relay()
        self._relays.add(relay)

        def alive() -> bool:
            return owner is None or shiboken6.isValid(owner)

        def finish() -> None:
            self._relays.discard(relay)
            relay.deleteLater()

        def done(result: object) -> None:
            finish()
            if alive():
                on_done(result)

        def failed(exc: object) -> None:
            finish()
            if not alive():
                return
            if on_error is not None:
                on_error(exc)  # type: ignore[arg-type]
            else:
                log.error("background query failed: %s", exc)

        relay.done.connect(done)
        relay.failed.connect(failed)
        return relay

    def read(
        self,
        fn: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[Exception], None] | None = None,
        owner: QObject | None = None,
    ) -> None:
        """Run `fn` (a query) on a worker; `on_done(result)` on the UI thread, unless `owner`
        was destroyed meanwhile."""
        self._start(self.pool, fn, on_done, on_error, owner)

    def slow(
        self,
        fn: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[Exception], None] | None = None,
        owner: QObject | None = None,
    ) -> None:
        """As read(), for work that may take half a minute (reading a host key, a test login):
        on a worker of its own, so History and Trends reads never queue behind it."""
        self._start(self.slow_pool, fn, on_done, on_error, owner)

    def _start(
        self,
        pool: QThreadPool,
        fn: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[Exception], None] | None,
        owner: QObject | None,
    ) -> None:
        pool.start(_Read(self.store, fn, self._relay(on_done, on_error, owner)))

    def write(
        self,
        fn: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[Exception], None] | None = None,
        owner: QObject | None = None,
    ) -> None:
        """Run `fn` in a transaction on the serialized writer; callbacks as for read()."""
        relay = self._relay(on_done, on_error, owner)

        def settled(fut: Future[Any]) -> None:
            exc = fut.exception()
            if exc is not None:
                relay.failed.emit(exc)
            else:
                relay.done.emit(fut.result())

        self.writer.submit(fn).add_done_callback(settled)

    def wait_idle(self, timeout_ms: int = 5000) -> bool:
        return self.pool.waitForDone(timeout_ms)
