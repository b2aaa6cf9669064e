"""Pages by position are the same rows whichever end of the filtered set they are counted from."""

from __future__ import annotations

import pytest

from taskrun_gui.core.models import RunStatus
from taskrun_gui.storage import runs_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.runs_repo import RunFilter
from tests.unit.test_trends_repo import History, day_ms


@pytest.fixture
def hist(store: Store) -> History:
    return History(store)


def test_a_page_counted_from_the_oldest_end_holds_the_same_runs(hist: History) -> None:
    a, b = hist.task("a"), hist.task("b")
    for i in range(37):
        hist.run(a if i % 3 else b, "failed" if i % 4 else "success", 1000 + i, day_ms(2, 0, i))
    for flt in (RunFilter(), RunFilter(task_id=a), RunFilter(statuses=[RunStatus.FAILED])):
        total = runs_repo.count(flt)
        for offset in range(total + 2):
            by_newest = [r.id for r in runs_repo.page_at(flt, offset, 7)]
            by_oldest = [r.id for r in runs_repo.page_at(flt, offset, 7, total)]
            assert by_oldest == by_newest, (flt, offset)


def test_pages_hold_the_records_to_record_makes(hist: History, store: Store) -> None:
    """The pages' records (read straight from the cursor, storage/run_records.py) are those
    runs_repo.to_record makes of model rows, every field, on both backends."""
    from taskrun_gui.core.models import Control, ErrorType, RunRecord, Trigger
    from taskrun_gui.storage import run_writes, tasks_repo
    from taskrun_gui.storage.schema import Run

    t = hist.task("full")
    task = tasks_repo.get(t)
    full = RunRecord(
        uid="full-1",
        task_id=t,
        task_name=task.name,
        version=task.version,
        status=RunStatus.ERROR,
        trigger=Trigger.SCHEDULE,
        attempt=2,
        first_uid="full-0",
        params={"who": "me", "n": "3"},
        priority=4,
        queued_at=1000,
        started_at=1100,
        finished_at=2100,
        duration_ms=900,
        exit_code=127,
        signal=9,
        error_type=ErrorType.NOT_FOUND,
        error_message="no such file",
        pid=42,
        pgid=42,
        proc_create_time=12.5,
        peak_rss=1 << 33,
        cpu_seconds=0.25,
        log_path="logs/full-1.log",
        log_bytes=77,
        log_dropped=5,
        not_before=3000,
        paused_ms=100,
        host="box",
        batch="b1",
        batch_limit=2,
        triggered_by=1,
        node="n1",
    )
    with store.db.atomic():
        run_writes.apply_op("insert_run", full.uid, run_writes.record_fields(full))
        Run.update(control=str(Control.CANCEL), slow=True).where(Run.uid == full.uid).execute()
    hist.run(t, "success", None, day_ms(1))  # the usual: nulls, no parameters
    hist.run(t, "failed", 10, day_ms(0))
    want = [runs_repo.to_record(r) for r in Run.select().order_by(Run.id.desc())]
    assert want[-1].control is Control.CANCEL and want[-1].slow
    for flt in (RunFilter(), RunFilter(task_id=t, statuses=[RunStatus.ERROR])):
        ids = {r.id for r in runs_repo.page_before(flt, None, 10)}
        assert runs_repo.page_before(flt, None, 10) == [r for r in want if r.id in ids]
        assert runs_repo.page_at(flt, 0, 10) == [r for r in want if r.id in ids]
