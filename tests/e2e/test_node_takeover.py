"""A node killed with SIGKILL while its runs are in flight, on a shared PostgreSQL history:
another node marks them interrupted once the lease expires (shortened here through
TASKRUN_NODE_LEASE_S), nothing of their processes survives, the runs it had claimed for any
node run elsewhere, the other node's runs go on, and the dead node, back, finishes nothing
twice."""

from __future__ import annotations

import json
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from taskrun_gui.core import nodes
from tests.e2e.cli import one_line_refusal, taskrun
from tests.e2e.machines import Machines, gone, rows, watchdog_of
from tests.helpers import wait_for
from tests.pg_server import PgServer

LEASE = "2"
WHY = re.compile(r"^node beta stopped answering: no heartbeat for \d+ s;")


@pytest.fixture
def machines(tmp_path: Path, pg_url: str) -> Iterator[Machines]:
    env = {nodes.LEASE_ENV: LEASE}
    m = Machines(pg_url, {n: tmp_path / n for n in ("alpha", "beta")}, env=env)
    for name, command, *options in (
        ("long", "echo up; sleep 60; echo never", "--max-concurrent", "2"),
        (
            "solo",
            "sleep $TASKRUN_PARAM_SECS; echo solo done",
            "--param",
            "secs=60",
            "--max-concurrent",
            "1",
        ),
        ("work", "sleep 3; echo work done"),
    ):
        added = m.cli("alpha", "task", "add", name, "--command", command, *options)
        assert added.returncode == 0, added.stderr
    try:
        m.start("beta", "--workers", "4")
        yield m
    finally:
        m.stop_all()


def _queue(m: Machines, on: str, *args: str) -> list[int]:
    """Runs queued by a command on node `on` (whose daemon serves its data dir: a command
    on a node with none would start one)."""
    res = m.cli(on, "run", *args, "--json")
    assert res.returncode == 0, res.stderr
    return [int(r["id"]) for r in json.loads(res.stdout)]


def _trees(pg: PgServer, ids: list[int]) -> list[list[int]]:
    """The pids of each run's process tree, as it is now (its main process first)."""
    found = rows(pg, f"SELECT pid FROM run WHERE id IN ({', '.join(map(str, ids))})")
    trees = []
    for (pid,) in found:
        if pid is None:  # not started yet
            trees.append([])
            continue
        main = psutil.Process(int(pid))  # type: ignore[call-overload]
        trees.append([main.pid, *(c.pid for c in main.children(recursive=True))])
    return trees


def _states(m: Machines) -> list[str]:
    return [n["state"] for n in json.loads(m.cli("alpha", "nodes", "--json").stdout)]


def _final_rows(pg: PgServer) -> list[tuple[object, ...]]:
    return rows(
        pg, "SELECT id, status, node, finished_at, error_message FROM run ORDER BY id"
    ) + rows(pg, "SELECT sum(interrupted), sum(success) FROM task_day")


def test_a_killed_node_is_taken_over_once(machines: Machines, pg: PgServer) -> None:
    beta = _queue(machines, "beta", "long", "--repeat", "2")
    beta += _queue(machines, "beta", "solo")  # holds solo's one slot on beta
    # beta has one free worker left: it claims one of these and cannot start it (solo's
    # slot is taken); the other waits for a node with room
    anyone = _queue(machines, "beta", "solo", "--node", "any", "--repeat", "2", "--param", "secs=0")
    running = "SELECT count(*) FROM run WHERE node = 'beta' AND status = 'running'"
    wait_for(lambda: rows(pg, running) == [(3,)], timeout=30)
    claimed = "SELECT id FROM run WHERE node = 'beta' AND status = 'queued' AND any_node"
    wait_for(lambda: len(rows(pg, claimed)) == 1, timeout=30)
    [(held,)] = rows(pg, claimed)
    wait_for(lambda: all(len(tree) > 1 for tree in _trees(pg, beta)))  # their `sleep`s too
    machines.start("alpha")
    work = _queue(machines, "alpha", "work")
    [other] = [i for i in anyone if i != held]
    wait_for(lambda: rows(pg, f"SELECT node FROM run WHERE id = {other}") == [("alpha",)])
    doomed = [pid for tree in _trees(pg, beta) for pid in tree]

    machines.daemons["beta"].kill()  # kill -9, its runs in flight
    machines.daemons["beta"].communicate(timeout=10)

    final = f"SELECT status, error_message FROM run WHERE id IN ({', '.join(map(str, beta))})"
    wait_for(lambda: {s for s, _e in rows(pg, final)} == {"interrupted"}, timeout=30)
    assert all(WHY.match(str(e)) for _s, e in rows(pg, final)), rows(pg, final)
    wait_for(lambda: all(gone(p) for p in doomed), timeout=15)  # 0 surviving children
    # the claim beta held goes to alpha, which runs it; alpha's own run went on
    done = f"SELECT id, node, status FROM run WHERE id IN ({held}, {other}, {work[0]}) ORDER BY id"
    wait_for(lambda: {s for _i, _n, s in rows(pg, done)} == {"success"}, timeout=30)
    assert {n for _i, n, _s in rows(pg, done)} == {"alpha"}
    [(log,)] = rows(pg, f"SELECT log_path FROM run WHERE id = {held}")
    assert Path(str(log)).is_relative_to(machines.dirs["alpha"] / "logs")
    assert Path(str(log)).read_text() == "solo done\n"
    listed = json.loads(machines.cli("alpha", "nodes", "--json").stdout)
    assert [(n["name"], n["state"], n["running"]) for n in listed] == [
        ("alpha", "online", 0),
        ("beta", "offline", 0),
    ]
    before = _final_rows(pg)
    assert before[-1] == (3, 3)  # the daily aggregate counted each end once

    machines.start("beta", "--workers", "4")  # back: its recovery finishes nothing again
    wait_for(lambda: _states(machines) == ["online", "online"], timeout=30)
    assert _final_rows(pg) == before


def test_a_node_back_stops_what_survived_of_its_taken_over_runs(
    machines: Machines, pg: PgServer
) -> None:
    machines.start("alpha")
    [run_id] = _queue(machines, "beta", "long")
    wait_for(lambda: all(len(tree) > 1 for tree in _trees(pg, [run_id])), timeout=30)
    [tree] = _trees(pg, [run_id])
    watchdog = watchdog_of(machines.daemons["beta"])
    assert watchdog is not None
    watchdog.kill()  # a host killed with its watchdog: its run's processes live on
    wait_for(lambda: gone(watchdog.pid))
    machines.daemons["beta"].kill()
    machines.daemons["beta"].communicate(timeout=10)
    status = f"SELECT status FROM run WHERE id = {run_id}"
    wait_for(lambda: rows(pg, status) == [("interrupted",)], timeout=30)  # by alpha
    assert not any(gone(pid) for pid in tree)
    machines.start("beta")  # back: it stops them, and records nothing again
    wait_for(lambda: all(gone(pid) for pid in tree), timeout=15)
    assert rows(pg, "SELECT sum(interrupted) FROM task_day") == [(1,)]


def test_a_node_cut_off_past_its_lease_runs_nothing_it_lost(
    machines: Machines, pg: PgServer
) -> None:
    """A host stalled (SIGSTOP) stands for one cut off from the database: when it is back,
    the runs taken over meanwhile are not run (or run on) there."""
    [solo] = _queue(machines, "beta", "solo")  # holds solo's slot
    [held] = _queue(machines, "beta", "solo", "--node", "any", "--param", "secs=0")
    claimed = f"SELECT node FROM run WHERE id = {held} AND status = 'queued' AND any_node"
    wait_for(lambda: rows(pg, claimed) == [("beta",)], timeout=30)
    wait_for(lambda: all(len(tree) > 1 for tree in _trees(pg, [solo])), timeout=30)
    [tree] = _trees(pg, [solo])
    machines.start("alpha")
    beta = machines.daemons["beta"]
    beta.send_signal(signal.SIGSTOP)
    try:
        taken = f"SELECT status FROM run WHERE id = {solo}"
        wait_for(lambda: rows(pg, taken) == [("interrupted",)], 30)
    finally:
        beta.send_signal(signal.SIGCONT)
    wait_for(lambda: all(gone(pid) for pid in tree), timeout=30)  # stopped by beta, back
    # solo's one slot was still held by beta's session (a stalled host's connection stays
    # open): alpha runs the claim given back once beta, back, has stopped its solo run
    done = f"SELECT status, node FROM run WHERE id IN ({solo}, {held}) ORDER BY id"
    wait_for(lambda: rows(pg, done) == [("interrupted", "beta"), ("success", "alpha")], 30)
    assert rows(pg, done) == [("interrupted", "beta"), ("success", "alpha")]
    [(solo_log,)] = rows(pg, f"SELECT log_path FROM run WHERE id = {solo}")
    assert list((machines.dirs["beta"] / "logs").rglob("*.log")) == [Path(str(solo_log))]
    assert rows(pg, "SELECT sum(interrupted), sum(success) FROM task_day") == [(1, 1)]


def test_a_lease_out_of_range_is_refused(tmp_path: Path) -> None:
    for bad in ("0.5", "abc", "nan", "7200"):
        res = taskrun(tmp_path / "data", "runs", **{nodes.LEASE_ENV: bad})
        one_line_refusal(res, f"{nodes.LEASE_ENV} must be a number of seconds from 1 to 3600")
    assert not (tmp_path / "data").exists()  # nothing written


def test_the_default_lease_is_thirty_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(nodes.LEASE_ENV, raising=False)
    assert (nodes.lease_s(), nodes.heartbeat_s()) == (30.0, 5.0)
    monkeypatch.setenv(nodes.LEASE_ENV, "2")
    assert (nodes.lease_s(), nodes.heartbeat_s()) == (2.0, 0.4)
