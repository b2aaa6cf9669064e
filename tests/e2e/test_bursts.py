"""Bursts of short runs: workers start the next run themselves and report in batches, and
still every run is reported once, in order, before the host says it is idle."""

from __future__ import annotations

import time
from pathlib import Path

from taskrun_gui.core.models import RunStatus
from taskrun_gui.storage import runs_repo
from tests.helpers import add_task, shell_task

N = 40


def test_idle_comes_after_every_run_is_reported(qtbot, service, store) -> None:
    """A busy UI thread takes the reports late; `idle` (what `run --wait` exits on) must not
    come while runs that already ended are still unreported."""
    task = add_task(store, shell_task("burst", "echo $TASKRUN_RUN_UID"))
    finished: list[str] = []

    def slow_ui(rec) -> None:  # type: ignore[no-untyped-def]
        finished.append(rec.uid)
        time.sleep(0.003)  # a UI thread busy painting: reports pile up meanwhile

    service.run_finished.connect(slow_ui)
    with qtbot.waitSignal(service.idle, timeout=60_000):
        recs = service.enqueue(task.id, task.version, task.spec, repeat=N)
    assert sorted(finished) == sorted(r.uid for r in recs)
    assert not service.is_busy() and service.running() == []
    assert service.writer.flush(10)
    stored = [runs_repo.get_by_uid(r.uid) for r in recs]
    assert [s.status for s in stored if s] == [RunStatus.SUCCESS] * N


def test_runs_are_reported_in_the_order_they_ended(qtbot, service, store) -> None:
    task = add_task(store, shell_task("one-by-one", "true", max_concurrent=1))
    finished: list[str] = []
    service.run_finished.connect(lambda rec: finished.append(rec.uid))
    with qtbot.waitSignal(service.idle, timeout=60_000):
        recs = service.enqueue(task.id, task.version, task.spec, repeat=10)
    assert finished == [r.uid for r in recs]  # one slot: they run, and end, in queue order


def test_a_slot_that_cannot_be_taken_neither_loses_nor_repeats_a_run(
    qtbot, service, store, monkeypatch
) -> None:
    """Taking a task slot can fail (too many open files); on a worker thread that must not
    lose the report of the run that just ended, nor start a run twice."""
    task = add_task(store, shell_task("slots", "echo $TASKRUN_RUN_UID", max_concurrent=2))
    slots = service._board._slots
    acquire = slots.acquire
    calls = {"n": 0}

    def flaky(task_id: int, max_concurrent: int):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError(24, "Too many open files")
        return acquire(task_id, max_concurrent)

    monkeypatch.setattr(slots, "acquire", flaky)
    finished: list[str] = []
    service.run_finished.connect(lambda rec: finished.append(rec.uid))
    with qtbot.waitSignal(service.idle, timeout=60_000):
        recs = service.enqueue(task.id, task.version, task.spec, repeat=12)
    assert calls["n"] > 4
    assert sorted(finished) == sorted(r.uid for r in recs)  # each reported, once
    assert service.writer.flush(10)
    logs = [runs_repo.get_by_uid(r.uid).log_path for r in recs]  # type: ignore[union-attr]
    for rec, path in zip(recs, logs, strict=True):
        assert Path(path).read_bytes() == f"{rec.uid}\n".encode()  # ran once, not twice
