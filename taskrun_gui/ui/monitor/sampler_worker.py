"""psutil sampling off the UI thread: a worker QObject in its own QThread.

A process table walk can take tens of milliseconds on a busy machine, so it never runs on the UI
thread. The samplers are stateful (CPU percentages and rates are differences against the previous
call), so one long-lived worker owns them and at most one sample is in flight: a tick that comes
while the previous sample is still running is skipped rather than queued.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from taskrun_gui.monitor.system import RunProcessSampler, RunRef, SystemSampler

log = logging.getLogger(__name__)

RunList = list[RunRef]


def _quit_and_wait(thread: QThread) -> None:
    if thread.isRunning():
        thread.quit()
        thread.wait()


class SamplerWorker(QObject):
    """Lives in the sampler thread; never touches widgets."""

    sampled = Signal(object, object)  # SystemSnapshot, list[RunProcRow]
    failed = Signal(str)

    def __init__(
        self, data_dir: str, secrets_for: Callable[[str], list[str] | None] | None = None
    ) -> None:
        super().__init__()
        self._system = SystemSampler(data_dir)
        self._runs = RunProcessSampler()
        self._secrets_for = secrets_for
        self._secrets: dict[str, list[str] | None] = {}  # per run: they do not change

    @Slot(object)
    def sample(self, runs: RunList) -> None:
        try:
            snapshot = self._system.sample()
            rows = self._runs.sample(self._with_secrets(runs))
        except Exception as exc:  # a sampling bug must not leave the monitor stuck as busy
            log.exception("monitor sample failed")
            self.failed.emit(str(exc))
            return
        self.sampled.emit(snapshot, rows)

    def _with_secrets(self, runs: RunList) -> RunList:
        """Each run with the secret values to mask in its command lines (asked here, on this
        thread: it may read the store), once a run; None where they are not known."""
        if self._secrets_for is None:
            return runs
        live = {run[0] for run in runs}
        self._secrets = {uid: v for uid, v in self._secrets.items() if uid in live}
        for run in runs:
            if run[0] not in self._secrets or self._secrets[run[0]] is None:
                self._secrets[run[0]] = self._secrets_for(run[0])
        return [(*run[:3], self._secrets[run[0]]) for run in runs]


class MonitorSampler(QObject):
    """The UI-thread side: owns the thread and the worker, hands out one request at a time."""

    sampled = Signal(object, object)  # SystemSnapshot, list[RunProcRow]
    _sample_requested = Signal(object)

    def __init__(
        self,
        data_dir: str,
        parent: QObject | None = None,
        secrets_for: Callable[[str], list[str] | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._busy = False
        self._thread = QThread(self)
        self._thread.setObjectName("monitor-sampler")
        self._worker = SamplerWorker(data_dir, secrets_for)
        self._worker.moveToThread(self._thread)
        self._sample_requested.connect(self._worker.sample)
        self._worker.sampled.connect(self._on_worker_sampled)
        self._worker.failed.connect(self._on_worker_failed)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)
        # Deleted without stop() (its tab deleted while visible): QObject emits destroyed before
        # deleting children, so the thread can still be quit before it is destroyed running.
        self.destroyed.connect(partial(_quit_and_wait, self._thread))

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def is_busy(self) -> bool:
        return self._busy

    def start(self) -> None:
        if not self._thread.isRunning():
            self._thread.start()

    def stop(self) -> None:
        """Quit the thread and wait for it: a sample in flight finishes first (milliseconds)."""
        _quit_and_wait(self._thread)
        self._busy = False

    def request(self, runs: RunList) -> bool:
        """Ask for one sample; False (and nothing asked) while the previous one is in flight."""
        if self._busy or not self._thread.isRunning():
            return False
        self._busy = True
        self._sample_requested.emit(list(runs))
        return True

    @Slot(object, object)
    def _on_worker_sampled(self, snapshot: object, rows: object) -> None:
        self._busy = False
        self.sampled.emit(snapshot, rows)

    @Slot(str)
    def _on_worker_failed(self, _message: str) -> None:
        self._busy = False
