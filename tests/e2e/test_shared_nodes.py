"""Two machines on one PostgreSQL history (separate data dirs stand in for them): runs queued
for any node execute exactly once, runs queued for a node execute there and log there, and
a node never recovers (interrupts) another node's runs; a node that comes back recovers its
own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.machines import Machines, machines_on, watchdog_of
from tests.e2e.machines import gone as _gone
from tests.e2e.machines import rows as _rows
from tests.helpers import wait_for
from tests.pg_server import PgServer


@pytest.fixture
def machines(tmp_path: Path, pg_url: str) -> Iterator[Machines]:
    with machines_on(pg_url, tmp_path, (), ("alpha", "beta", "gamma")) as m:
        added = m.cli("alpha", "task", "add", "hello", "--command", "echo hi from $PWD")
        assert added.returncode == 0, added.stderr
        m.start("alpha")
        m.start("beta")
        yield m


def test_runs_execute_once_on_the_node_they_are_queued_for(
    machines: Machines, pg: PgServer
) -> None:
    anyone = machines.cli("alpha", "run", "hello", "--node", "any", "--repeat", "30", "--json")
    assert anyone.returncode == 0, anyone.stderr
    beta = machines.cli("alpha", "run", "hello", "--node", "beta", "--repeat", "5", "--json")
    assert beta.returncode == 0, beta.stderr
    for_beta = {r["id"] for r in json.loads(beta.stdout)}

    def all_final() -> bool:
        return _rows(pg, "SELECT count(*) FROM run WHERE status <> 'success'") == [(0,)]

    wait_for(all_final, timeout=60)
    rows = _rows(pg, "SELECT id, node, log_path, started_at FROM run ORDER BY id")
    assert len(rows) == 35  # each once: no retry, no second row
    nodes = {int(i): str(n) for i, n, _log, _started in rows}  # type: ignore[call-overload]
    assert {nodes[i] for i in for_beta} == {"beta"}
    assert set(nodes.values()) <= {"alpha", "beta"}
    for run_id, node, log, _started in rows:
        # logged where it executed, once
        assert Path(str(log)).is_relative_to(machines.dirs[str(node)] / "logs")
        assert Path(str(log)).read_text().startswith("hi from "), run_id
    listed = json.loads(machines.cli("gamma", "nodes", "--json").stdout)
    assert [(n["name"], n["state"]) for n in listed] == [("alpha", "online"), ("beta", "online")]


def test_a_node_leaves_another_nodes_runs_alone_and_recovers_its_own(
    machines: Machines, pg: PgServer
) -> None:
    added = machines.cli("alpha", "task", "add", "long", "--command", "echo up; sleep 60")
    assert added.returncode == 0, added.stderr
    queued = machines.cli("alpha", "run", "long", "--node", "beta", "--json")
    assert queued.returncode == 0, queued.stderr
    run_id = json.loads(queued.stdout)[0]["id"]
    running = f"SELECT pid FROM run WHERE id = {run_id} AND status = 'running'"
    wait_for(lambda: bool(_rows(pg, running)), timeout=30)
    [(pid,)] = _rows(pg, running)
    watchdog = watchdog_of(machines.daemons["beta"])
    assert watchdog is not None
    watchdog.kill()  # and so its run's process tree lives on when beta goes:
    wait_for(lambda: _gone(watchdog.pid), timeout=10)
    machines.daemons["beta"].kill()  # kill -9
    machines.daemons["beta"].communicate(timeout=10)
    # a command on a node without a host recovers that node's dead runs: not beta's
    seen = machines.cli("gamma", "runs", "--json")
    assert seen.returncode == 0, seen.stderr
    assert _rows(pg, running) == [(pid,)]
    assert not _gone(int(pid))  # type: ignore[call-overload]
    # beta comes back: its own run is interrupted and its processes stopped
    machines.start("beta")
    status = f"SELECT status FROM run WHERE id = {run_id}"
    wait_for(lambda: _rows(pg, status) == [("interrupted",)], timeout=30)
    wait_for(lambda: _gone(int(pid)), timeout=10)  # type: ignore[call-overload]
