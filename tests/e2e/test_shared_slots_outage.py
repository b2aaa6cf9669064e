"""A node of a shared PostgreSQL history whose server goes away (a server of the test's own,
stopped and started again): its queued runs of a `max_concurrent 1` task still run, one at a
time on this machine (the times each wrote), and the daemon says once that the limits hold
on this machine only."""

from __future__ import annotations

import itertools
import signal
from pathlib import Path

import pytest

from taskrun_gui.engine.locks import host_alive, host_pid
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.pg_slots import OUTAGE_NOTE
from tests.e2e.cli import popen_taskrun, taskrun
from tests.helpers import wait_for
from tests.pg_server import PgServer

pytestmark = pytest.mark.usefixtures("pg")  # skipped, or failed under CI, as the others


def _times(path: Path) -> list[tuple[int, int]]:
    """(start, end) of each run, from the lines the task's command wrote."""
    marks = [line.split() for line in path.read_text().splitlines()] if path.exists() else []
    starts = [int(t) for word, t in marks if word == "start"]
    ends = [int(t) for word, t in marks if word == "end"]
    return list(zip(starts, ends, strict=False))


def test_a_node_runs_its_queue_one_at_a_time_here_while_the_server_is_down(
    own_pg: PgServer, tmp_path: Path
) -> None:
    data, out = tmp_path / "alpha", tmp_path / "times"
    Store(data, own_pg.url).open().close()  # its folders (locks/) before the daemon
    command = f"echo start $(date +%s%N) >> {out}; sleep 1; echo end $(date +%s%N) >> {out}"
    db = ("--db", own_pg.url, "--node", "alpha")
    added = taskrun(data, *db, "task", "add", "one", "--command", command, "--max-concurrent", "1")
    assert added.returncode == 0, added.stderr
    daemon = popen_taskrun(data, *db, "daemon")
    try:
        wait_for(lambda: host_alive(data / "locks") and host_pid(data / "locks") == daemon.pid)
        queued = taskrun(data, *db, "run", "one", "--repeat", "3")
        assert queued.returncode == 0, queued.stderr
        wait_for(lambda: out.exists(), timeout=30)  # the first run holds the server's slot
        own_pg.stop()
        wait_for(lambda: len(_times(out)) == 3, timeout=60)
        runs = sorted(_times(out))
        for before, after in itertools.pairwise(runs):
            assert after[0] >= before[1], runs  # one at a time
    finally:
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
        _, stderr = daemon.communicate(timeout=30)
    told = [line for line in stderr.splitlines() if OUTAGE_NOTE in line]
    assert len(told) == 1, stderr
