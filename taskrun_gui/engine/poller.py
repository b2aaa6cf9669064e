"""The host's eye on the database: runs queued by other processes (the CLI) and control
requests (cancel, pause, resume) recorded by any process. A plain thread, so the UI thread
never queries."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from taskrun_gui.core.models import RunRecord, TaskSpec
from taskrun_gui.engine.records import values_for
from taskrun_gui.engine.scheduler import Fire, Scheduler
from taskrun_gui.storage import runs_repo, tasks_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.schema import Run

log = logging.getLogger(__name__)


@dataclass
class ForeignRun:
    record: RunRecord
    spec: TaskSpec
    values: dict[str, str]


class HostPoller:
    def __init__(
        self,
        store: Store,
        on_queued: Callable[[list[ForeignRun]], None],
        on_controls: Callable[[list[RunRecord]], None],
        is_known: Callable[[str], bool],
        interval: float = 0.5,
        on_fires: Callable[[list[Fire]], None] | None = None,
        write: Callable[[Callable[[], object]], object] | None = None,
        scheduler: Scheduler | None = None,
    ) -> None:
        """With `on_fires`, schedules are checked every tick (only the host that serves the
        data dir for good does that; one started for CLI work does not)."""
        self.store = store
        self.on_fires = on_fires
        self.write = write
        self.scheduler = scheduler or Scheduler()
        self.on_queued = on_queued
        self.on_controls = on_controls
        self.is_known = is_known
        self.interval = interval
        self._last_id = 0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="taskrun-poller", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def poke(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception as exc:  # a locked or broken store: try again next tick
                log.debug("poll failed: %s", exc)
            self._wake.wait(self.interval)
            self._wake.clear()
        self.store.db.close()  # this thread's connection

    def poll_once(self) -> None:
        rows = (
            Run.select().where((Run.status == "queued") & (Run.id > self._last_id)).order_by(Run.id)
        )
        found: list[ForeignRun] = []
        for row in rows:
            self._last_id = max(self._last_id, row.id)
            if self.is_known(row.uid):
                continue
            rec = runs_repo.to_record(row)
            try:
                spec = tasks_repo.version_spec(rec.task_id, rec.version)
            except LookupError:
                continue
            found.append(ForeignRun(rec, spec, values_for(rec, self.store.secrets_dir)))
        if found:
            self.on_queued(found)
        controls = runs_repo.with_control()
        if controls:
            self.on_controls(controls)
        if self.on_fires is not None:
            self._check_schedules()

    def _check_schedules(self) -> None:
        fires, changes = self.scheduler.due(tasks_repo.list_all())
        if changes and self.write is not None:

            def store_times() -> None:
                for c in changes:
                    tasks_repo.set_fire_times(c.task_id, c.next_fire_at, c.last_fire_at)

            self.write(store_times)
        if fires:
            assert self.on_fires is not None
            self.on_fires(fires)
