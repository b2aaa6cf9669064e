"""What a run may stop and what recovery may touch: a process two runs name is stopped by the
last of them, and a pid is only ever taken with its create time (never a recycled one)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskrun_gui.engine import run_pids
from taskrun_gui.engine.claims import Claims, RunLineage
from taskrun_gui.monitor import proctree
from tests.helpers import exec_done, wait_for

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    wait_for(lambda: exec_done(child.pid))
    yield child
    child.kill()
    child.wait()


def _run(uid: str) -> RunLineage:
    return RunLineage(uid, main_pid=1, main_create=0.0, pipe_inode=None)


@linux_only
def test_a_process_two_runs_name_is_left_to_the_last_of_them(sleeper) -> None:
    st = proctree.read_stat(sleeper.pid)
    assert st is not None
    first, second = _run("first"), _run("second")
    claims = Claims()
    claims.add(st, {first, second})
    assert claims.processes(first, None, alone=True) == []  # the second run is live
    second.live = False
    claims.forget(second)
    assert [p.pid for p in claims.processes(first, None, alone=True)] == [sleeper.pid]


@linux_only
def test_a_claim_never_covers_another_process_with_the_same_pid(sleeper) -> None:
    st = proctree.read_stat(sleeper.pid)
    assert st is not None
    run = _run("r")
    claims = Claims()
    earlier = dataclasses.replace(st, create_time=st.create_time - 5)  # the pid's last owner
    claims.add(earlier, {run})
    assert not claims.holds(st)
    assert claims.processes(run, None) == []


@linux_only
def test_recovery_takes_a_pid_only_with_its_create_time(sleeper, tmp_path: Path) -> None:
    st = proctree.read_stat(sleeper.pid)
    assert st is not None
    path = run_pids.path_for(tmp_path, "uid")
    pids = run_pids.RunPidsFile(path)
    pids.add(sleeper.pid, st.create_time - 5)  # what was there before the pid was recycled
    assert run_pids.still_running(path) == []
    pids.add(sleeper.pid, st.create_time)
    with path.open("a") as f:
        f.write("123")  # the host died in the middle of a line
    assert [p.pid for p in run_pids.still_running(path)] == [sleeper.pid]
    pids.discard()
    assert not path.exists()
