"""The host's eye on the database: runs queued by other processes (the CLI) and control
requests (cancel, pause, resume) recorded by any process. A plain thread, so the UI thread
never queries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from taskrun_gui.core.models import RunRecord, TaskSpec
from taskrun_gui.engine.records import values_for
from taskrun_gui.engine.scheduler import Fire, Scheduler
from taskrun_gui.engine.ticker import StoreTicker
from taskrun_gui.storage import runs_repo, tasks_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.schema import Run


@dataclass
class ForeignRun:
    record: RunRecord
    spec: TaskSpec
    values: dict[str, str]


class HostPoller(StoreTicker):
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
        super().__init__(store, "taskrun-poller", interval)
        self.on_fires = on_fires
        self.write = write
        self.scheduler = scheduler or Scheduler()
        self.on_queued = on_queued
        self.on_controls = on_controls
        self.is_known = is_known
        self._last_id = 0
        self.passes = 0  # complete looks at the queue so far
        self.found_at_pass = 0  # the last pass that found runs queued by others

    def quiet_since(self, passes: int) -> bool:
        """Two whole passes after `passes` were completed and found nothing new: whatever
        was queued before that moment has been handed over."""
        return self.passes >= passes + 2 and self.found_at_pass <= passes

    def poll_once(self) -> None:
        rows = (
            Run.select().where((Run.status == "queued") & (Run.id > self._last_id)).order_by(Run.id)
        )
        found: list[ForeignRun] = []
        specs: dict[tuple[int, int], TaskSpec | None] = {}  # a burst is many runs of one task
        for row in rows:
            self._last_id = max(self._last_id, row.id)
            if self.is_known(row.uid):
                continue
            rec = runs_repo.to_record(row)
            key = (rec.task_id, rec.version)
            if key not in specs:
                try:
                    specs[key] = tasks_repo.version_spec(*key)
                except LookupError:
                    specs[key] = None
            spec = specs[key]
            if spec is None:
                continue
            found.append(ForeignRun(rec, spec, values_for(rec, self.store.secrets_dir)))
        if found:
            self.found_at_pass = self.passes + 1
            self.on_queued(found)
        controls = runs_repo.with_control()
        if controls:
            self.on_controls(controls)
        if self.on_fires is not None:
            self._check_schedules()
        self.passes += 1

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
