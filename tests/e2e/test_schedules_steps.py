"""Schedules firing in the host, overlap policies, and multi-step runs."""

from __future__ import annotations

import itertools
from pathlib import Path

from taskrun_gui.core.models import (
    STEP_SKIPPED,
    OverlapPolicy,
    RunStatus,
    Schedule,
    Step,
    TaskSpec,
    Trigger,
)
from taskrun_gui.executor.host import Host
from taskrun_gui.storage import runs_repo, tasks_repo
from taskrun_gui.storage.runs_repo import RunFilter
from tests.e2e.runs import run_task
from tests.helpers import add_task, shell_task


def _runs(task_id: int) -> list:
    return list(reversed(runs_repo.page_before(RunFilter(task_id=task_id), None, 100)))


def test_a_real_one_second_interval_fires_as_schedule(qtbot, service, store):
    task = add_task(store, shell_task("tick", "echo tick", schedule=Schedule(every_seconds=1)))
    finished: list = []
    service.run_finished.connect(finished.append)
    qtbot.waitUntil(lambda: len(finished) >= 2, timeout=15_000)
    assert service.writer.flush(10)
    runs = _runs(task.id)
    assert len(runs) >= 2
    assert all(r.trigger is Trigger.SCHEDULE and r.status is RunStatus.SUCCESS for r in runs)
    gap = runs[1].queued_at - runs[0].queued_at
    assert 500 <= gap <= 3000
    row = tasks_repo.get(task.id)
    assert row.next_fire_at is not None and row.last_fire_at is not None


def _queue_at_finishes(qtbot, service, n: int) -> list[int]:  # type: ignore[no-untyped-def]
    """How many runs waited in the queue as each of the first `n` runs finished."""
    queued: list[int] = []
    service.run_finished.connect(lambda _rec: queued.append(len(service.queue())))
    qtbot.waitUntil(lambda: len(queued) >= n, timeout=30_000)
    return queued[:n]


def test_overlap_skip_does_not_pile_up(qtbot, service, store):
    """Fires while a run goes are skipped: runs never overlap, nothing waits in the queue."""
    task = add_task(
        store,
        shell_task(
            "slowtick", "sleep 1.5", schedule=Schedule(every_seconds=1, overlap=OverlapPolicy.SKIP)
        ),
    )
    queued_at_finish = _queue_at_finishes(qtbot, service, 2)
    assert queued_at_finish == [0, 0]  # fires during a run were skipped, not queued
    assert service.writer.flush(10)
    runs = sorted((r for r in _runs(task.id) if r.started_at), key=lambda r: r.started_at)
    for before, after in itertools.pairwise(runs):
        assert before.finished_at is not None and after.started_at >= before.finished_at


def test_overlap_queue_runs_one_after_another_with_at_most_one_waiting(qtbot, service, store):
    """Fires while a run goes wait for it, whatever max_concurrent allows, and never pile
    up: at most one waits (it ran beside the first, as `allow` does, with a growing queue)."""
    every = Schedule(every_seconds=1, overlap=OverlapPolicy.QUEUE)
    spec = shell_task("queued", "sleep 1.5", schedule=every)
    spec.max_concurrent = 5
    task = add_task(store, spec)
    queued_at_finish = _queue_at_finishes(qtbot, service, 3)
    assert max(queued_at_finish) <= 1, queued_at_finish
    assert service.writer.flush(10)
    runs = sorted((r for r in _runs(task.id) if r.started_at), key=lambda r: r.started_at)
    for before, after in itertools.pairwise(runs):
        assert before.finished_at is not None and after.started_at >= before.finished_at


def test_only_the_serving_host_fires_schedules(qtbot, store):
    first, second = Host(store, 1), Host(store, 1)
    try:
        assert first.try_serve()
        assert not second.try_serve()  # one host per data dir: a schedule never fires twice
    finally:
        first.close()
        second.close()


def _three_steps(name: str, continue_on_error: bool) -> TaskSpec:
    return TaskSpec(
        name=name,
        steps=[
            Step(name="prepare", command="echo one"),
            Step(name="build", command="echo two; exit 4", continue_on_error=continue_on_error),
            Step(name="publish", command="printf three"),
        ],
    )


def test_three_steps_stop_at_a_failing_step(qtbot, service, store):
    rec = run_task(qtbot, service, add_task(store, _three_steps("steps-stop", False)))
    assert rec.status is RunStatus.FAILED
    assert rec.exit_code == 4
    steps = runs_repo.steps(rec.id)
    assert [(s.name, s.status, s.exit_code) for s in steps] == [
        ("prepare", "success", 0),
        ("build", "failed", 4),
        ("publish", STEP_SKIPPED, None),
    ]
    log = Path(rec.log_path).read_bytes()
    assert log == b"one\ntwo\n"
    assert log[steps[0].log_start : steps[0].log_end] == b"one\n"
    assert log[steps[1].log_start : steps[1].log_end] == b"two\n"


def test_continue_on_error_runs_the_rest(qtbot, service, store):
    rec = run_task(qtbot, service, add_task(store, _three_steps("steps-go-on", True)))
    assert rec.status is RunStatus.SUCCESS
    steps = runs_repo.steps(rec.id)
    assert [s.status for s in steps] == ["success", "failed", "success"]
    log = Path(rec.log_path).read_bytes()
    assert log[steps[2].log_start : steps[2].log_end] == b"three"
    assert log == b"one\ntwo\nthree"


def test_cancel_between_steps_ends_the_run_cancelled(qtbot, service, store):
    from tests.e2e.runs import start, wait_final

    spec = TaskSpec(
        name="steps-cancel",
        steps=[
            # the step's shell exits at once; a background child keeps its output open a moment
            Step(name="first", command="echo one; sleep 3 & exit 0"),
            Step(name="second", command="echo two"),
        ],
    )
    with qtbot.waitSignal(service.run_state_changed, timeout=10_000):  # step 1 started
        rec = start(service, add_task(store, spec))
    assert service.cancel(rec.uid)  # its shell is done by now; its child holds the pipe
    final = wait_final(qtbot, service, rec.uid)
    assert final.status is RunStatus.CANCELLED
    assert [s.status for s in runs_repo.steps(final.id)][1] == STEP_SKIPPED
    assert b"two" not in Path(final.log_path).read_bytes()
