"""Serving a data dir on plain threads, with no Qt: the host lock, crash recovery, the writer
and the engine host, for `taskrun daemon` and a `taskrun run --wait` that becomes the host for
its own runs. (The window does the same through executor/host.py, on a QThreadPool.)"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from taskrun_gui.engine import node_names
from taskrun_gui.engine.home_thread import ThreadHome
from taskrun_gui.engine.host import EngineHost
from taskrun_gui.engine.host_events import EventSink, HostEvent, RunFinished, StoreHealth
from taskrun_gui.engine.locks import FileLock, host_lock, host_pid
from taskrun_gui.engine.pools import ThreadPool
from taskrun_gui.engine.recovery import recover_dead_runs
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import StoreWriter


def claim_data_dir(lock: FileLock, store: Store) -> tuple[bool, str]:
    """Take the host lock and recover what a dead host left. Returns (taken, why recovery
    failed: a store refusing writes recovers next time); raises NodeNameInUse when another
    live host serves this node's name on a shared history (engine/node_names.py)."""
    if not lock.try_acquire():
        return False, ""
    try:  # before recovery: another host's live runs are not this one's to recover
        node_names.ensure_free(store)
        lock.write_owner(f"{os.getpid()}\n")
    except BaseException:  # (a full disk for the owner file too): the lock goes back
        lock.release()
        raise
    if not store.writable:
        return True, ""
    try:
        recover_dead_runs(store, name_checked=True)
    except Exception as exc:
        return True, str(exc)
    return True, ""


PROBE_WAIT_S = 3.0  # how long a starting daemon looks again at a lock held by no live host
PROBE_RETRY_S = 0.05


def _live_owner(store: Store) -> bool:
    """Whether the host lock's owner file names a live process other than this one (a host
    that serves, or is past its claim); empty, or a pid left by a host gone: no."""
    import psutil  # here: only a daemon that found the lock held asks

    pid = host_pid(store.locks_dir)
    return bool(pid) and pid != os.getpid() and psutil.pid_exists(pid)


class ThreadHost:
    def __init__(
        self,
        store: Store,
        workers: int | None = None,
        schedules: bool = False,
        poll_interval: float = 0.5,
    ) -> None:
        """`schedules`: fire scheduled tasks (a host started only for CLI work does not)."""
        self.store = store
        self.lock = host_lock(store.locks_dir)
        self.writer = StoreWriter(store)
        self.home = ThreadHome()
        self.listeners: list[EventSink] = []  # called in order on the home thread
        self.pool = ThreadPool(max(1, workers or os.cpu_count() or 2))
        self.executor = EngineHost(
            store, self.writer, self.pool, self.home, self._emit, poll_interval, schedules
        )
        self.home.host = self.executor
        # how this host's serving ended, for whoever decides about a successor
        self.stopped_by_signal = 0  # the signal that asked it to stop (0: none)
        self.finished = 0  # runs that ended here
        self.unwritten = 0  # records the store had not taken when it closed (kept aside)

    def _emit(self, event: HostEvent) -> None:
        if isinstance(event, RunFinished):
            self.finished += 1
        for listener in self.listeners:
            listener(event)

    def try_serve(self) -> bool:
        """Become the one host of the data dir; False when another process serves it."""
        taken, error = claim_data_dir(self.lock, self.store)
        if not taken:
            return False
        if error:
            self._emit(StoreHealth(False, error))
        self.executor.start()
        return True

    def try_serve_soon(self, wait: float = PROBE_WAIT_S) -> bool:
        """try_serve, and again for up to `wait` seconds while the lock's holder is no live
        host: other commands take the host lock for a moment to look whether a host is
        alive, or to recover a dead one's runs, and a daemon giving up then left the burst
        it was started for queued with nobody to serve it."""
        deadline = time.monotonic() + wait
        while not self.try_serve():
            if _live_owner(self.store) or time.monotonic() >= deadline:
                return False
            time.sleep(PROBE_RETRY_S)
        return True

    def close(
        self,
        cancel_running: bool = True,
        timeout: float = 10.0,
        written: Callable[[], None] | None = None,
    ) -> None:
        """On the home thread: stop, and tell what was still to be told: the last runs'
        ends, then the alerts they raised (the writer still open for the runs a chain
        queues). `written`: called once the runs' records are committed, before the alerts
        are waited for (a command prints how its runs ended then, not after a slow
        channel's timeout)."""
        self.executor.shutdown(cancel_running=cancel_running, timeout=timeout, with_alerts=False)
        self.executor.take_mail()  # the last runs' ends: their alerts are queued now too
        try:
            if written is not None:
                self.writer.flush(timeout)
                written()
        finally:
            try:
                self.executor.stop_alerts(timeout)
            finally:  # whatever happened above: the records kept, the lock let go
                self.pool.close()
                self.writer.close()
                self.executor.take_mail()  # what the writer said as it flushed: a refusal
                self.unwritten = self.writer.pending_count
                self.lock.release()
