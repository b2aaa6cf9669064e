"""The serialized writer: writes nobody waits for share commits but still land on their own;
what it keeps between finishes is dropped when another connection has written."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

import pytest

from taskrun_gui.core.durations import hist_count, hist_decode
from taskrun_gui.core.models import RunStatus, TaskSpec, Trigger
from taskrun_gui.core.run_events import RunFinished, RunQueued, RunStarted
from taskrun_gui.core.timefmt import local_day, now_ms
from taskrun_gui.engine import records
from taskrun_gui.storage import recorder, runs_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.schema import TaskDay
from taskrun_gui.storage.writer import LAZY_DELAY
from tests.helpers import add_task, wait_for


def _queued(store: Store, task_id: int, version: int, spec: TaskSpec) -> str:
    rec = records.new_run(task_id, version, spec, {}, Trigger.MANUAL, store.logs_dir)
    with store.db.atomic():
        recorder.apply(RunQueued(rec))
    return rec.uid


@dataclass
class NotAnEvent:
    uid: str


def _finished(uid: str, duration_ms: int) -> RunFinished:
    end = now_ms()
    return RunFinished(
        uid,
        RunStatus.SUCCESS,
        started_at=end - duration_ms,
        finished_at=end,
        duration_ms=duration_ms,
        exit_code=0,
    )


def test_a_lazy_write_lands_without_a_flush(store, writer) -> None:
    task = add_task(store, TaskSpec(name="t", command="true"))
    uid = _queued(store, task.id, task.version, task.spec)
    done = writer.submit(_finished(uid, 5), lazy=True)
    done.result(timeout=30)  # nobody flushed: the writer commits it once it has waited
    assert runs_repo.get_by_uid(uid).status is RunStatus.SUCCESS


def test_a_flush_writes_lazy_writes_at_once(store, writer) -> None:
    task = add_task(store, TaskSpec(name="t", command="true"))
    uids = [_queued(store, task.id, task.version, task.spec) for _ in range(3)]
    for uid in uids:
        writer.submit(_finished(uid, 5), lazy=True)
    assert writer.flush(timeout=LAZY_DELAY * 100)
    assert [runs_repo.get_by_uid(u).status for u in uids] == [RunStatus.SUCCESS] * 3


def test_an_urgent_write_takes_the_lazy_ones_before_it_along(store, writer) -> None:
    task = add_task(store, TaskSpec(name="t", command="true"))
    first, second = (_queued(store, task.id, task.version, task.spec) for _ in range(2))
    lazy = writer.submit(_finished(first, 5), lazy=True)
    urgent = writer.submit(RunStarted(second, now_ms(), 42, None, None))
    urgent.result(timeout=5)
    assert lazy.done()  # written in order, in the same commit
    assert runs_repo.get_by_uid(first).status is RunStatus.SUCCESS


def test_the_day_histogram_counts_runs_finished_by_another_connection(store, writer) -> None:
    """The writer keeps a day's histogram between finishes; a finish committed meanwhile by
    another connection (another process, a recovery) must not be overwritten by it."""
    task = add_task(store, TaskSpec(name="t", command="true"))
    uids = [_queued(store, task.id, task.version, task.spec) for _ in range(3)]
    writer.submit(_finished(uids[0], 10)).result(timeout=5)

    def elsewhere() -> None:  # its own thread: its own connection
        with store.db.atomic("IMMEDIATE"):
            recorder.apply(_finished(uids[1], 20))
        store.db.close()

    other = threading.Thread(target=elsewhere)
    other.start()
    other.join()
    writer.submit(_finished(uids[2], 30)).result(timeout=5)
    day = TaskDay.get(TaskDay.task == task.id, TaskDay.day == local_day(now_ms()))
    assert day.success == 3
    assert day.duration_count == 3
    assert hist_count(hist_decode(day.hist)) == 3


def test_a_write_that_raises_does_not_stop_the_writer(store, writer) -> None:
    task = add_task(store, TaskSpec(name="t", command="true"))
    uid = _queued(store, task.id, task.version, task.spec)
    bad = writer.submit(NotAnEvent(uid))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        bad.result(timeout=5)
    writer.submit(_finished(uid, 5)).result(timeout=5)
    wait_for(lambda: runs_repo.get_by_uid(uid).status is RunStatus.SUCCESS)


@pytest.mark.sqlite_only  # psycopg2 adapts a dict, as a string PostgreSQL refuses in its own way
def test_a_write_sqlite_cannot_bind_is_dropped_and_the_store_stays_healthy(store, writer) -> None:
    task = add_task(store, TaskSpec(name="t", command="true"))
    uid = _queued(store, task.id, task.version, task.spec)
    not_a_value = {"not": "a column value"}
    bad = writer.submit(replace(_finished(uid, 5), error_message=not_a_value))  # type: ignore[arg-type]
    with pytest.raises(Exception, match=r"bind|type"):
        bad.result(timeout=5)
    writer.submit(_finished(uid, 5)).result(timeout=5)
    assert writer.healthy and writer.pending_count == 0
    assert runs_repo.get_by_uid(uid).status is RunStatus.SUCCESS


def test_a_run_started_and_ended_in_one_batch_keeps_its_process_identity(store) -> None:
    """A short run's `running` and its end are committed together, in one statement: the
    row still holds its pid, group and start time, and a run already final stays as it was."""
    task = add_task(store, TaskSpec(name="t", command="true"))
    short, final, other = (_queued(store, task.id, task.version, task.spec) for _ in range(3))
    with store.db.atomic():
        recorder.apply(_finished(final, 3))
    end = _finished(short, 7)
    events = [
        RunStarted(short, end.started_at, 4242, 4242, 1700000000.25),
        RunStarted(other, now_ms(), 77, 77, None),
        RunStarted(final, now_ms(), 99, 99, None),
        end,
        _finished(final, 9),
    ]
    with recorder.immediate_transaction():
        results = recorder.apply_all(events, recorder.WriteCache())
    assert results[0] == 1 and results[1] == 1 and results[2] == 0 and results[4] is None
    row = runs_repo.get_by_uid(short)
    assert (row.status, row.pid, row.pgid, row.proc_create_time) == (
        RunStatus.SUCCESS,
        4242,
        4242,
        1700000000.25,
    )
    assert row.started_at == end.started_at and row.duration_ms == 7
    ran = runs_repo.get_by_uid(other)
    assert (ran.status, ran.pid) == (RunStatus.RUNNING, 77)
    done = runs_repo.get_by_uid(final)
    assert (done.status, done.pid, done.duration_ms) == (RunStatus.SUCCESS, None, 3)
