"""Concurrency limits on one PostgreSQL history shared by two machines (separate data dirs
stand in for them, each with its own daemon): a task's `max_concurrent` and the history-wide
`nodes --max-running` hold over both nodes, judged from the runs' recorded start and end
times; a node killed while it holds a slot frees it (the server ends its session), and the
other node's waiting run starts."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import psutil

from tests.e2e import test_shared_nodes
from tests.e2e.cli import one_line_refusal, taskrun
from tests.e2e.test_shared_nodes import Machines, _rows
from tests.helpers import wait_for
from tests.pg_server import PgServer

machines = test_shared_nodes.machines  # the two daemons on one history, as the fixture there


def _queue(m: Machines, task: str, node: str, repeat: int = 1) -> list[int]:
    res = m.cli("alpha", "run", task, "--node", node, "--repeat", str(repeat), "--json")
    assert res.returncode == 0, res.stderr
    return [int(r["id"]) for r in json.loads(res.stdout)]


def _status(pg: PgServer, run_id: int) -> str:
    return str(_rows(pg, f"SELECT status FROM run WHERE id = {run_id}")[0][0])


def _assert_one_at_a_time(pg: PgServer, ids: list[int]) -> set[str]:
    """Every run succeeded, and no two ran at once (each started after the one before it
    ended); returns the nodes they ran on."""
    listed = ", ".join(map(str, ids))
    rows = _rows(
        pg,
        f"SELECT status, started_at, finished_at, node FROM run WHERE id IN ({listed})"
        " ORDER BY started_at",
    )
    assert [r[0] for r in rows] == ["success"] * len(ids)
    for before, after in itertools.pairwise(rows):
        assert int(str(after[1])) >= int(str(before[2])), (before, after)
    return {str(r[3]) for r in rows}


def _all_final(pg: PgServer, ids: list[int]) -> bool:
    listed = ", ".join(map(str, ids))
    left = f"SELECT count(*) FROM run WHERE id IN ({listed}) AND finished_at IS NULL"
    return _rows(pg, left) == [(0,)]


def test_max_concurrent_one_holds_over_two_nodes(machines: Machines, pg: PgServer) -> None:
    added = machines.cli(
        "alpha", "task", "add", "one", "--command", "sleep 0.2", "--max-concurrent", "1"
    )
    assert added.returncode == 0, added.stderr
    ids = _queue(machines, "one", "alpha", 3) + _queue(machines, "one", "beta", 3)
    wait_for(lambda: _all_final(pg, ids), timeout=90)
    assert _assert_one_at_a_time(pg, ids) == {"alpha", "beta"}


def test_the_history_wide_limit_holds_over_two_nodes(machines: Machines, pg: PgServer) -> None:
    limited = machines.cli("beta", "nodes", "--max-running", "1")
    assert limited.returncode == 0, limited.stderr
    assert limited.stdout == "runs at once over every node: at most 1\n"
    for task in ("left", "right"):
        added = machines.cli(
            "alpha", "task", "add", task, "--command", "sleep 0.2", "--max-concurrent", "5"
        )
        assert added.returncode == 0, added.stderr
    ids = _queue(machines, "left", "alpha", 3) + _queue(machines, "right", "beta", 3)
    ids += _queue(machines, "left", "any", 2)
    wait_for(lambda: _all_final(pg, ids), timeout=90)
    assert _assert_one_at_a_time(pg, ids) == {"alpha", "beta"}
    listed = machines.cli("gamma", "nodes")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[-1] == "runs at once over every node: at most 1"
    unset = machines.cli("gamma", "nodes", "--max-running", "0")
    assert unset.stdout == "runs at once over every node: no limit\n"
    assert machines.cli("gamma", "nodes").stdout.splitlines()[-1].endswith(": no limit")


def test_a_killed_nodes_slot_is_freed_for_the_other_nodes_waiting_run(
    machines: Machines, pg: PgServer
) -> None:
    added = machines.cli(
        "alpha", "task", "add", "hold", "--command", "echo up; sleep 60", "--max-concurrent", "1"
    )
    assert added.returncode == 0, added.stderr
    [on_beta] = _queue(machines, "hold", "beta")
    wait_for(lambda: _status(pg, on_beta) == "running", timeout=30)
    [waiting] = _queue(machines, "hold", "alpha")
    [marker] = _queue(machines, "hello", "alpha")  # queued after: alpha has tried `waiting`
    wait_for(lambda: _status(pg, marker) == "success", timeout=30)
    assert _status(pg, waiting) == "queued"  # beta holds the task's one slot
    [(beta_pid,)] = _rows(pg, f"SELECT pid FROM run WHERE id = {on_beta}")
    killed_at = time.time() * 1000
    machines.daemons["beta"].kill()  # kill -9: its connection goes, its run's processes stay
    machines.daemons["beta"].communicate(timeout=10)
    try:
        wait_for(lambda: _status(pg, waiting) == "running", timeout=40)
        [(started,)] = _rows(pg, f"SELECT started_at FROM run WHERE id = {waiting}")
        assert int(str(started)) >= killed_at
    finally:
        _kill_tree(int(str(beta_pid)))
        cancelled = machines.cli("alpha", "cancel", str(waiting))
        assert cancelled.returncode == 0, cancelled.stderr
    wait_for(lambda: _status(pg, waiting) == "cancelled", timeout=30)


def _kill_tree(pid: int) -> None:
    """The orphaned processes of the killed node's run (nobody recovers them in this test)."""
    try:
        proc = psutil.Process(pid)
        for p in [*proc.children(recursive=True), proc]:
            p.kill()
    except psutil.NoSuchProcess:
        pass


def test_max_running_is_refused_on_one_machines_history_and_out_of_range(
    tmp_path: Path,
) -> None:
    res = taskrun(tmp_path / "d", "nodes", "--max-running", "2")
    one_line_refusal(res, "taskrun: --max-running: only for a history shared on PostgreSQL")
    assert res.returncode == 2
    res = taskrun(tmp_path / "d", "nodes", "--max-running", "-1")
    assert res.returncode == 2
    assert "--max-running: must be a whole number from 0 to 10000, not '-1'" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
