"""`taskrun run` without --wait: the daemon it starts serves the whole burst, however big,
and leaves only when nothing is queued or running; runs queued by many callers at once are
all served."""

from __future__ import annotations

import time
from pathlib import Path

from taskrun_gui.engine.locks import host_alive
from tests.e2e.cli import popen_taskrun, taskrun, taskrun_json

START_GRACE_S = 20.0  # the daemon a command started may take this long to hold the lock


def _wait_all_final(data: Path, expected: int, timeout: float = 240) -> dict[str, int]:
    """Until `expected` runs are final; a host that left (or never came) while runs wait
    fails at once. The daemon `taskrun run` starts takes the host lock after the command
    returned: before it first has, a missing host is one still starting (seconds under
    load), not one gone."""
    began = time.monotonic()
    deadline = began + timeout
    stats: dict[str, int] = {}
    seen_host = False
    while time.monotonic() < deadline:
        stats = taskrun_json(data, "stats", "--json")
        if stats["total"] == expected:  # stats count finished runs only
            return stats
        alive = host_alive(data / "locks")
        seen_host = seen_host or alive
        if not alive and (seen_host or time.monotonic() - began > START_GRACE_S):
            time.sleep(1.0)  # a successor may be starting; then it must be there
            if not host_alive(data / "locks"):
                stats = taskrun_json(data, "stats", "--json")
                assert stats["total"] == expected, f"no host left and runs wait: {stats}"
                return stats
        time.sleep(0.5)
    raise AssertionError(f"not all runs finished: {stats}")


def test_a_big_burst_is_served_to_the_end(tmp_path: Path) -> None:
    """The daemon's first look at 2000 queued runs of a task with a long script takes
    seconds: it must not take that for idle."""
    data = tmp_path / "data"
    script = tmp_path / "long.sh"
    comments = "".join(f"# line {i} of a long maintenance script ......\n" for i in range(6000))
    script.write_text(f"#!/bin/sh\n{comments}true\n")
    added = taskrun(data, "task", "add", "long", "--script", str(script), "--interpreter", "sh")
    assert added.returncode == 0, added.stderr
    res = taskrun(data, "--workers", "2", "run", "long", "--repeat", "2000", timeout=120)
    assert res.returncode == 0, res.stderr
    stats = _wait_all_final(data, 2000)
    assert stats["success"] == 2000
    deadline = time.monotonic() + 30
    while host_alive(data / "locks"):  # idle now: the daemon leaves
        assert time.monotonic() < deadline, "the daemon stayed although nothing is queued"
        time.sleep(0.2)


def test_many_callers_queueing_at_once_are_all_served(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert taskrun(data, "task", "add", "noop", "--command", "true").returncode == 0
    callers = [
        popen_taskrun(data, "--workers", "2", "run", "noop", "--repeat", "100") for _ in range(10)
    ]
    for c in callers:
        _out, err = c.communicate(timeout=120)
        assert c.returncode == 0, err
    stats = _wait_all_final(data, 1000)
    assert stats["success"] == 1000


def test_runs_left_queued_by_a_dead_host_are_served_by_the_next_command(tmp_path: Path) -> None:
    """kill -9 of the daemon a `taskrun run` started, with runs still queued: the next
    taskrun command that opens the data dir starts a host for them and says so."""
    import os
    import signal
    import sqlite3

    from taskrun_gui.engine.locks import host_pid

    data = tmp_path / "data"
    assert taskrun(data, "task", "add", "slow", "--command", "sleep 30").returncode == 0
    assert taskrun(data, "task", "add", "noop", "--command", "true").returncode == 0
    assert taskrun(data, "--workers", "1", "run", "slow").returncode == 0
    deadline = time.monotonic() + 30
    while taskrun_json(data, "runs", "--status", "running", "--json") == []:
        assert time.monotonic() < deadline, "the slow run never started"
        time.sleep(0.2)
    assert taskrun(data, "run", "noop", "--repeat", "3").returncode == 0
    pid = host_pid(data / "locks")
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    while host_alive(data / "locks"):
        assert time.monotonic() < deadline, "the killed daemon kept its lock"
        time.sleep(0.1)
    with sqlite3.connect(data / "taskrun.db") as db:  # they have waited a while by now
        db.execute("UPDATE run SET queued_at = queued_at - 60000 WHERE status = 'queued'")
    res = taskrun(data, "runs")
    assert res.returncode == 0
    assert "started one" in res.stderr
    stats = _wait_all_final(data, 4)
    assert (stats["success"], stats["interrupted"]) == (3, 1)
