"""The window's run pool (executor/qt_pool.py): every job runs, never more at once than the
workers allowed, a burst's jobs keep their thread's Python state, and a changed limit takes
effect on the queued jobs."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from taskrun_gui.executor.qt_pool import QtRunPool


class _Jobs:
    """Jobs that note how many run at once and whether their thread's locals survived."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.done = 0
        self.fresh_locals = 0  # jobs that found their thread's local state gone
        self.local = threading.local()
        self.gate = threading.Event()
        self.gate.set()

    def job(self) -> None:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        if not hasattr(self.local, "seen"):
            self.local.seen = True
            with self.lock:
                self.fresh_locals += 1
        self.gate.wait(10)
        with self.lock:
            self.running -= 1
            self.done += 1


def test_a_burst_runs_every_job_two_at_a_time_on_kept_thread_state(qtbot: QtBot) -> None:
    pool, jobs = QtRunPool(2), _Jobs()
    left = [300]

    def chained() -> None:  # as the host does: a run starts the next before it returns
        jobs.job()
        with jobs.lock:
            left[0] -= 1
            more = left[0] > 0
        if more:
            pool.start(chained)

    pool.start(chained)
    pool.start(chained)
    assert pool.wait(30)
    assert jobs.done == 301  # both chains run until the count is spent (one overshoots)
    assert jobs.most <= 2
    # a runnable per job would give each job a new Python thread state (300 fresh locals)
    assert jobs.fresh_locals <= 4


def test_raising_the_limit_starts_queued_jobs_at_once(qtbot: QtBot) -> None:
    pool, jobs = QtRunPool(1), _Jobs()
    jobs.gate.clear()  # the first job holds its thread
    for _ in range(3):
        pool.start(jobs.job)
    qtbot.waitUntil(lambda: jobs.running == 1)
    pool.set_max_workers(3)
    qtbot.waitUntil(lambda: jobs.running == 3)  # the queued two did not wait for the first
    jobs.gate.set()
    assert pool.wait(10)
    assert jobs.done == 3 and pool.max_workers == 3


def test_lowering_the_limit_ends_the_extra_threads_between_jobs(qtbot: QtBot) -> None:
    pool, first, later = QtRunPool(3), _Jobs(), _Jobs()
    first.gate.clear()
    for _ in range(3):
        pool.start(first.job)
    for _ in range(6):
        pool.start(later.job)
    qtbot.waitUntil(lambda: first.running == 3)
    pool.set_max_workers(1)
    first.gate.set()
    assert pool.wait(10)
    assert first.done == 3 and later.done == 6
    assert later.most == 1  # the three going finished theirs; then one at a time


def test_a_failing_job_does_not_stop_the_others(qtbot: QtBot) -> None:
    pool, jobs = QtRunPool(1), _Jobs()

    def broken() -> None:
        raise RuntimeError("a bug in a job")

    pool.start(broken)
    for _ in range(5):
        pool.start(jobs.job)
    assert pool.wait(10)
    assert jobs.done == 5
