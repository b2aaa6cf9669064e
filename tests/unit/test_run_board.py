"""The run board takes a task's slot outside its lock: on a shared history that is a round
trip to the server, and the home thread (the window's UI thread) reads the board meanwhile.
A run cancelled while its slot was being taken does not start, and its slot goes back."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from types import SimpleNamespace

from taskrun_gui.core.models import TaskSpec, Trigger
from taskrun_gui.engine import records
from taskrun_gui.engine.run_board import RunBoard
from taskrun_gui.engine.runner import RunJob


class _Slot:
    def __init__(self, owner: _SlowSlots) -> None:
        self.owner = owner

    def release(self) -> None:
        self.owner.released += 1


class _SlowSlots:
    """Slots whose every take waits until the test lets it go (a slow server)."""

    def __init__(self) -> None:
        self.asked = threading.Event()
        self.go = threading.Event()
        self.released = 0

    def acquire(self, task_id: int, max_concurrent: int) -> _Slot:
        self.asked.set()
        assert self.go.wait(20)
        return _Slot(self)

    def acquire_on(self, host: str, task_id: int, max_concurrent: int) -> _Slot:
        return self.acquire(task_id, max_concurrent)

    def close(self) -> None:
        pass


def _job(tmp_path, name: str) -> RunJob:  # type: ignore[no-untyped-def]
    spec = TaskSpec(name=name, command="true")
    return RunJob(records.new_run(1, 1, spec, {}, Trigger.MANUAL, tmp_path), spec)


@dataclass
class _Blocked:
    """A board with one queued run whose pass waits on its slot's round trip."""

    slots: _SlowSlots
    board: RunBoard
    job: RunJob
    started: list[RunJob]
    thread: threading.Thread

    def finish(self) -> None:
        self.slots.go.set()
        self.thread.join(20)


def _blocked_pass(tmp_path) -> _Blocked:  # type: ignore[no-untyped-def]
    slots = _SlowSlots()
    board = RunBoard(slots)
    board.open()  # its host serves
    job = _job(tmp_path, "a")
    board.add(job)
    started: list[RunJob] = []
    thread = threading.Thread(target=board.start_ready, args=(2, started.append))
    thread.start()
    assert slots.asked.wait(20)  # the pass waits on the server now
    return _Blocked(slots, board, job, started, thread)


def test_the_board_answers_while_a_slot_is_being_taken(tmp_path) -> None:  # type: ignore[no-untyped-def]
    b = _blocked_pass(tmp_path)
    seen: list[list[str]] = []
    reader = threading.Thread(target=lambda: seen.append([r.uid for r in b.board.queued()]))
    reader.start()  # the home thread's look at the queue
    reader.join(10)
    answered = not reader.is_alive()
    b.finish()  # (also lets a board that made the reader wait go on)
    reader.join(20)
    assert answered, "the board's reader waited for the slot's round trip"
    assert seen == [[b.job.record.uid]]
    assert b.started == [b.job] and b.board.queued() == []
    assert [r.uid for r in b.board.running()] == [b.job.record.uid]


def test_a_run_cancelled_while_its_slot_is_taken_does_not_start(tmp_path) -> None:  # type: ignore[no-untyped-def]
    b = _blocked_pass(tmp_path)
    assert b.board.cancel_target(b.job.record.uid) == (None, b.job)  # taken off the queue
    b.finish()
    assert b.started == [] and b.board.running() == [] and not b.board.busy()
    assert b.slots.released == 1  # its slot went back


def test_a_pause_while_a_slot_is_taken_starts_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    b = _blocked_pass(tmp_path)
    b.board.set_paused(True)
    b.finish()
    assert b.started == [] and [r.uid for r in b.board.queued()] == [b.job.record.uid]
    assert b.slots.released == 1


class _FreeSlots(_SlowSlots):
    """Slots that are always free, each take counted with the limit it was asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.limits: list[int] = []

    def acquire(self, task_id: int, max_concurrent: int) -> _Slot:
        self.limits.append(max_concurrent)
        return _Slot(self)


def test_a_lowered_max_concurrent_holds_back_runs_queued_under_the_old_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    slots = _FreeSlots()
    board = RunBoard(slots)
    board.open()
    spec = TaskSpec(name="a", command="true", max_concurrent=3)  # as the runs were queued
    jobs = [RunJob(records.new_run(1, 1, spec, {}, Trigger.MANUAL, tmp_path), spec) for _ in "abc"]
    for job in jobs:
        board.add(job)
    lowered = SimpleNamespace(id=1, spec=TaskSpec(name="a", command="true", max_concurrent=1))
    assert board.limits.seen([lowered])  # type: ignore[list-item]  # the poller's read
    started: list[RunJob] = []
    board.start_ready(4, started.append)
    assert started == jobs[:1] and slots.limits == [1]  # one at a time now
    assert not board.limits.seen([lowered])  # type: ignore[list-item]  # nothing new


def test_a_task_read_before_and_not_now_is_gone_one_too_new_is_not() -> None:
    from taskrun_gui.engine.task_limits import TaskLimits

    limits = TaskLimits()
    row = SimpleNamespace(id=1, spec=TaskSpec(name="a", command="true"))
    assert not limits.gone(1)  # nothing read yet
    limits.seen([row])  # type: ignore[list-item]
    assert not limits.gone(1) and not limits.gone(2)  # 2: created after the read
    limits.seen([])
    assert limits.gone(1)  # deleted since
