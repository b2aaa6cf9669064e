"""The executor of a window whose data dir another process (a `taskrun daemon`) hosts: it
queues into the store for that host, records cancel/pause/resume for it, and follows its runs
(status from the store, output from the log files), with the same signals as the host."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot

from taskrun_gui.core.models import Control, RunRecord, RunStatus
from taskrun_gui.engine import records
from taskrun_gui.engine.runner import RunJob
from taskrun_gui.engine.watcher import RunWatcher
from taskrun_gui.executor.service import ExecutorService
from taskrun_gui.storage.writer import WriteOp


class ClientExecutor(ExecutorService):
    host_gone = Signal()  # nobody serves the data dir any more
    _watched = Signal(object, object)  # (active runs, changed runs), from the watcher thread
    _watched_output = Signal(str, str, object)
    _watched_host_gone = Signal()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._active_runs: list[RunRecord] = []
        self._watcher = RunWatcher(
            self.store,
            self._watched.emit,
            self._watched_output.emit,
            interval=self.poll_interval,
            on_host_gone=self._watched_host_gone.emit,
        )
        self._watched.connect(self._on_watched)
        self._watched_output.connect(self.run_output)
        self._watched_host_gone.connect(self.host_gone)

    def start(self) -> None:
        self._watcher.start()

    def shutdown(self, cancel_running: bool = True, timeout: float = 10.0) -> None:
        """Stop watching; the runs belong to the host and go on."""
        del cancel_running, timeout
        self._watcher.stop()

    def _accept(self, job: RunJob) -> None:
        rec = job.record  # secrets first: the host may see the row at once
        records.save_secret_values(self.store.secrets_dir, rec.uid, job.spec, job.values)
        self.run_queued.emit(rec)

    def _dispatch(self) -> None:
        pass  # the host dispatches

    def queue(self) -> list[RunRecord]:
        waiting = [r for r in self._active_runs if r.status is RunStatus.QUEUED]
        return sorted(waiting, key=lambda r: (-r.priority, r.id or 0))

    def queue_uids(self) -> set[str]:
        return {r.uid for r in self._active_runs}

    def running(self) -> list[RunRecord]:
        return [r for r in self._active_runs if r.status.is_live]

    def is_busy(self) -> bool:
        return bool(self._active_runs)

    def _request(self, uid: str, control: Control) -> bool:
        """Recorded on the run; its host acts on it within a second."""
        self.writer.submit(WriteOp("update_run", uid, {"control": str(control)}))
        return True

    def cancel(self, uid: str) -> bool:
        return self._request(uid, Control.CANCEL)

    def pause(self, uid: str) -> bool:
        return self._request(uid, Control.PAUSE)

    def resume(self, uid: str) -> bool:
        return self._request(uid, Control.RESUME)

    @Slot(object, object)
    def _on_watched(self, active: list[RunRecord], changed: list[RunRecord]) -> None:
        self._active_runs = active
        for rec in changed:
            self.run_state_changed.emit(rec)
            if rec.status.is_final:
                self.run_finished.emit(rec)
        self.queue_changed.emit()
        self._check_idle()
