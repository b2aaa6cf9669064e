"""Serving a data dir: the host lock, crash recovery, the writer and the executor, for the
window, `taskrun daemon` and a CLI that becomes the host for its own runs.

A window that finds the data dir served by another process follows it as a client; when that
process goes away (stopped, killed) the window takes the host lock, recovers what it left
(on a thread: stopping a dead host's process trees can take seconds) and serves from then on,
so nothing queued is stranded."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from taskrun_gui.core.models import RunRecord
from taskrun_gui.engine import node_names
from taskrun_gui.engine.locks import FileLock, host_lock, host_pid
from taskrun_gui.engine.recovery import recover_dead_runs
from taskrun_gui.engine.serving import claim_data_dir
from taskrun_gui.executor.client import ClientExecutor
from taskrun_gui.executor.executor import Executor
from taskrun_gui.executor.interface import RunExecutor
from taskrun_gui.executor.service import ExecutorService
from taskrun_gui.storage import runs_repo, unreplayed
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import StoreWriter

log = logging.getLogger(__name__)
RECOVERY_WAIT_S = 30.0  # a dead host's records waiting for a locked store, at most
RECOVERY_RETRY_S = 0.5


class Host(QObject):
    _recovered = Signal(object, str)  # final records of recovered runs, error; from a thread
    _name_taken = Signal(str)  # another live host serves this node's name; from a thread
    _claimed = Signal(bool, str, str)  # taken, recovery error, refusal; from a thread

    def __init__(
        self,
        store: Store,
        workers: int | None = None,
        parent: QObject | None = None,
        schedules: bool = True,
    ) -> None:
        """`schedules`: fire scheduled tasks (a host started only for CLI work does not)."""
        super().__init__(parent)
        self.store = store
        self.lock: FileLock = host_lock(store.locks_dir)
        self.writer = StoreWriter(store)
        self.executor = Executor(parent)  # type: ignore[abstract]  # _route makes its members
        self._workers = workers
        self._schedules = schedules
        self._served_by: int | None = None  # the pid of the process we follow
        self._taking_over = False  # the lock is ours, recovery runs on its thread
        self._recovered.connect(self._on_recovered)
        self._name_taken.connect(self._on_name_taken)
        self._claimed.connect(self._on_claimed)
        self._claiming: threading.Thread | None = None
        self._on_served: Callable[[bool, str | None], None] = lambda serving, refused: None
        self._closed = False
        self._attach(self._new_service(), serving=False)  # widgets may ask it at once

    def _new_service(self) -> ExecutorService:
        return ExecutorService(
            self.store,
            self.writer,
            self._workers,
            parent=self.executor,
            schedules=self._schedules,
        )

    def _attach(self, executor: RunExecutor, serving: bool) -> None:
        old = self.executor.attach(executor, serving)
        if old is not None:
            old.shutdown(cancel_running=False, timeout=0)
            if isinstance(old, QObject):
                old.deleteLater()

    def try_serve(self) -> bool:
        """Become the one host of the data dir: take the lock, recover what a dead host left,
        start polling for queued runs. False when another process already serves it."""
        taken, error = claim_data_dir(self.lock, self.store)
        if taken:
            self._serve_claimed(error)
        return taken

    def serve_in_background(self, done: Callable[[bool, str | None], None]) -> None:
        """try_serve with the claim (the node name's check, recovering a dead host's runs:
        seconds, at worst a lease) on a thread of its own, for the window's UI thread; then
        `done(serving, refused)` on this object's thread (`refused`: why another live host
        has the node's name, engine/node_names.py)."""
        self._on_served = done

        def claim() -> None:
            try:
                taken, error = claim_data_dir(self.lock, self.store)
                self._claimed.emit(taken, error, "")
            except node_names.NodeNameInUse as exc:
                self._claimed.emit(False, "", str(exc))
            except Exception as exc:  # a store that cannot be read: not served, said why
                log.warning("could not serve the data dir: %s", exc)
                self._claimed.emit(False, "", "")

        self._claiming = threading.Thread(target=claim, name="taskrun-claim", daemon=True)
        self._claiming.start()

    def _on_claimed(self, taken: bool, error: str, refused: str) -> None:
        if self._closed:  # quit meanwhile: the lock goes back, nothing starts
            if taken:
                self.lock.release()
            return
        if taken:
            self._serve_claimed(error)
        self._on_served(taken, refused or None)

    def _serve_claimed(self, error: str) -> None:
        service = self.executor.current
        if not isinstance(service, ExecutorService):  # serving again after following
            service = self._new_service()
            self._attach(service, serving=False)
        self.executor.serving = True
        if error:
            self.executor.store_health_changed.emit(False, error)
        service.start()

    def _take_lock(self) -> bool:
        if not self.lock.try_acquire():
            return False
        self.lock.write_owner(f"{os.getpid()}\n")
        return True

    def become_client(self) -> None:
        """Another process serves the data dir: follow and drive it instead of running."""
        self._served_by = host_pid(self.store.locks_dir)
        client = ClientExecutor(self.store, self.writer, self._workers, parent=self.executor)
        client.host_gone.connect(self._on_host_gone)
        self._attach(client, serving=False)
        client.start()

    @property
    def serving(self) -> bool:
        return self.lock.held

    @property
    def served_by(self) -> int | None:
        """The pid of the process this window follows (None when it serves itself)."""
        return None if self.serving else self._served_by

    def _on_host_gone(self) -> None:
        """Nobody holds the data dir's host lock (told at every look of the watcher while so):
        serve it here. When another process holds the lock now (a host that was quicker, or
        one passing by, as a CLI's recovery), follow it; the next look asks again."""
        if self.serving or self._taking_over or not self._take_lock():
            if not self.serving:
                self._served_by = host_pid(self.store.locks_dir)
            return
        self._taking_over = True
        client = self.executor.current
        followed = client.queue_uids() if isinstance(client, ClientExecutor) else set()

        def recover() -> None:
            try:
                taken = node_names.in_use(self.store)  # before anything of that host's
                if taken is not None:
                    self._name_taken.emit(taken)
                    return
                recovered = self._recover_all()
                self._recovered.emit(self._finals({r.uid for r in recovered} | followed), "")
            except Exception as exc:  # the store refuses writes: recover next time
                log.warning("could not recover the runs of the host that went away: %s", exc)
                self._recovered.emit(self._finals(followed), str(exc))

        threading.Thread(target=recover, name="taskrun-recovery", daemon=True).start()

    def _recover_all(self) -> list[RunRecord]:
        """Recovery, tried again while the dead host's records wait (a store locked a few
        seconds): the window tells the finishes it had, not 'interrupted'. On a thread."""
        deadline = time.monotonic() + RECOVERY_WAIT_S
        recovered: list[RunRecord] = []
        while self.store.writable:
            try:
                recovered += recover_dead_runs(self.store)
            except Exception:
                if time.monotonic() > deadline:
                    raise
            else:
                if not unreplayed.waiting_uids(self.store.spool_dir) or (
                    time.monotonic() > deadline
                ):
                    break
            time.sleep(RECOVERY_RETRY_S)
        return recovered

    @staticmethod
    def _finals(uids: set[str]) -> list[RunRecord]:
        """The runs among `uids` that are over now, as stored: those recovery interrupted,
        and those whose finish the dead host had recorded, or left in its journal for the
        replay, after the watcher's last look. On the recovery thread."""
        try:
            recs = [runs_repo.get_by_uid(uid) for uid in sorted(uids)]
        except Exception as exc:  # an unreadable store: the runs show as they were
            log.warning("could not read the runs the window followed: %s", exc)
            return []
        return [r for r in recs if r is not None and r.status.is_final]

    def _on_name_taken(self, why: str) -> None:
        """Not taken over: another live host serves this node's name (engine/node_names.py);
        the window goes on following and says why its runs wait."""
        self.lock.release()
        self._taking_over = False
        self.executor.store_health_changed.emit(False, why)

    def _on_recovered(self, finals: list[RunRecord], error: str) -> None:
        gone = self._served_by
        client = self.executor.current
        untold = client.queue_uids() if isinstance(client, ClientExecutor) else set()
        service = self._new_service()
        self._attach(service, serving=True)
        service.start()
        self._taking_over = False
        for final in finals:  # over now: the window shows them so (once: not the ones the
            if final.uid in untold:  # watcher reported while recovery ran)
                self.executor.run_state_changed.emit(final)
                self.executor.run_finished.emit(final)
        if error:
            self.executor.store_health_changed.emit(False, error)
        who = f"taskrun daemon (pid {gone})" if gone else "The process that served this data dir"
        self.executor.serving_changed.emit(
            True, f"{who} stopped; this window runs the tasks of its data dir now"
        )

    def close(self, cancel_running: bool = True, timeout: float = 10.0) -> None:
        self._closed = True
        if self._claiming is not None:  # a claim under way: its recovery ends first (or its
            self._claiming.join(timeout)  # lock goes with the process; _on_claimed lets go)
        self.executor.shutdown(cancel_running=cancel_running, timeout=timeout)
        self.writer.close()
        self.lock.release()
