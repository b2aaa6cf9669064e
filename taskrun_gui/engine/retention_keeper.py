"""Retention applied by whichever process serves the data dir (the window or `taskrun
daemon`): at start and then daily, with the thresholds of the data dir's policy.

On a thread of its own, never as one long write: each batch's deletion goes to the serialized
writer as a job of its own, so the run records submitted meanwhile (a run's `running` row among
them) are written between two batches. Stopping takes effect at the next batch."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from taskrun_gui.storage import policy_file, retention
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.retention import CleanupResult
from taskrun_gui.storage.writer import StoreWriter

log = logging.getLogger(__name__)
DAY_SECONDS = 86_400
CHECK_EVERY = 3600.0  # seconds between two looks at whether a day has passed
STAMP = "retention-last-run"  # in the locks folder: when retention last ran on this data dir


class CleanupStopped(Exception):
    """Stopped (the host is leaving) between two batches."""


def last_run(store: Store) -> float | None:
    """When retention last ran on this data dir (by any process), or None."""
    try:
        return Path(store.locks_dir, STAMP).stat().st_mtime
    except OSError:
        return None


def mark_run(store: Store) -> None:
    path = Path(store.locks_dir, STAMP)
    with contextlib.suppress(OSError):
        path.touch()
        os.utime(path)  # now, also when the file was there


def apply_policy(
    store: Store, writer: StoreWriter, stopping: threading.Event | None = None
) -> CleanupResult | None:
    """Clean up with the policy in force now; None when it keeps everything."""
    policy = policy_file.load(store.data_dir)
    if not policy.retains:
        return None

    def commit(work: Callable[[], object]) -> object:
        """One batch as one job of the writer, back once committed."""
        if stopping is not None and stopping.is_set():
            raise CleanupStopped()
        return writer.submit(work).result()

    days, keep = policy.retention_days or None, policy.retention_per_task or None
    result = retention.cleanup(store, days, keep, commit)
    mark_run(store)
    return result


class RetentionKeeper:
    def __init__(
        self,
        store: Store,
        writer: StoreWriter,
        on_done: Callable[[CleanupResult | None, str], None],
        every: float = CHECK_EVERY,
    ) -> None:
        """`on_done(result, error)`, on the keeper's thread, after each cleanup it ran."""
        self.store = store
        self.writer = writer
        self.on_done = on_done
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="taskrun-retention", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)

    def _due(self) -> bool:
        last = last_run(self.store)
        return last is None or time.time() - last >= DAY_SECONDS

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                if self.store.writable and self._due():
                    self._run_once()
                self._stop.wait(self.every)
        finally:
            self.store.db.close()  # this thread's connection

    def _run_once(self) -> None:
        try:
            result = apply_policy(self.store, self.writer, self._stop)
        except CleanupStopped:
            return
        except Exception as exc:  # a busy or failing store: the next look tries again
            log.warning("retention could not be applied: %s", exc)
            self.on_done(None, str(exc))
            return
        if result is not None:
            self.on_done(result, "")
