"""Finding a run's processes cheaply: its create time without reading /proc, and processes
carrying its marker by probing only the pids allocated since it started."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import psutil
import pytest

from taskrun_gui.monitor import proctree
from tests.helpers import exec_done, wait_for

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")


def test_create_time_of_spawn_is_what_psutil_reports() -> None:
    for _ in range(20):
        before = proctree.boot_clock()
        child = subprocess.Popen(["sleep", "5"])
        after = proctree.boot_clock()
        try:
            estimate = proctree.create_time_of_spawn(child.pid, before, after)
            assert estimate is not None
            # what recovery compares against (is_same_process allows 50 ms)
            assert abs(estimate - psutil.Process(child.pid).create_time()) <= 0.011
            assert proctree.is_same_process(child.pid, estimate)
        finally:
            child.kill()
            child.wait()


def _marked_sleeper(uid: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, proctree.RUN_MARKER_VAR: uid}
    child = subprocess.Popen(["sleep", "30"], env=env, start_new_session=True)
    wait_for(lambda: exec_done(child.pid))
    return child


@linux_only
def test_marked_processes_found_by_probing_pids_since_the_run_started() -> None:
    uid = uuid.uuid4().hex
    first = subprocess.Popen(["true"])
    first.wait()
    child = _marked_sleeper(uid)
    try:
        found = proctree.marked_processes(uid, started_after=first.pid)
        assert [p.pid for p in found] == [child.pid]
        assert [p.pid for p in proctree.marked_processes(uid)] == [child.pid]  # full scan
        # started before the pid given: not one of the run's, and not looked at
        assert proctree.marked_processes(uid, started_after=child.pid) == []
    finally:
        child.kill()
        child.wait()


@linux_only
def test_many_pids_since_the_run_fall_back_to_listing_proc(monkeypatch) -> None:
    uid = uuid.uuid4().hex
    first = subprocess.Popen(["true"])
    first.wait()
    child = _marked_sleeper(uid)
    monkeypatch.setattr(proctree, "PROBE_LIMIT", 0)
    try:
        assert [p.pid for p in proctree.marked_processes(uid, started_after=first.pid)] == [
            child.pid
        ]
    finally:
        child.kill()
        child.wait()
