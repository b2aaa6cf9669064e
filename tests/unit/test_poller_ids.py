"""The host's poller finds every run other processes queue, also one that SQLite gave the id
of a deleted newest row (SQLite reuses it: no AUTOINCREMENT), after the poller had looked
past that id; the host's own queued runs are never handed to it as others'."""

from __future__ import annotations

from pathlib import Path

from taskrun_gui.core.models import RunRecord, TaskSpec, Trigger
from taskrun_gui.core.run_events import RunQueued
from taskrun_gui.engine import records
from taskrun_gui.engine.poller import ForeignRun, HostPoller
from taskrun_gui.storage import recorder
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.schema import Run
from tests.helpers import add_task


def test_a_run_given_a_deleted_rows_id_is_still_found(tmp_path: Path) -> None:
    store = Store(tmp_path / "data").open()
    try:
        task = add_task(store, TaskSpec(name="t", command="true"))
        seen: set[str] = set()
        found: list[ForeignRun] = []
        poller = HostPoller(
            store,
            on_queued=found.extend,
            on_controls=lambda recs: None,
            is_known=seen.__contains__,
        )

        def queue() -> RunRecord:
            rec = records.new_run(
                task.id, task.version, task.spec, {}, Trigger.MANUAL, store.logs_dir
            )
            with store.db.atomic():
                rec.id = recorder.apply(RunQueued(rec))
            return rec

        other = queue()  # another process's run, taken: the poller looks past its id
        poller._take_queued()
        assert [f.record.uid for f in found] == [other.uid]
        own = queue()  # the host's own, the newest row
        seen.update({other.uid, own.uid})
        poller._take_queued()
        assert len(found) == 1  # its own is never handed over as another's
        with store.db.atomic():  # both end and are deleted (retention of an idle data dir)
            Run.delete().where(Run.id.in_([other.id, own.id])).execute()
        late = queue()  # `taskrun run` in another process: SQLite gives it an old id
        assert late.id is not None and late.id <= max(other.id or 0, own.id or 0)
        poller._take_queued()
        assert [f.record.uid for f in found] == [other.uid, late.uid]
    finally:
        store.close()
