"""A control request belongs to the node of its run: on a shared history a cancel recorded
for a run executing on beta is left for beta, even while alpha's host (which holds no such
run) keeps polling; beta, back, acts on it."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.machines import Machines, gone, machines_on, rows
from tests.helpers import wait_for
from tests.pg_server import PgServer

LEASE_S = "10"  # heartbeats every 2 s: beta is stopped for less than a lease


@pytest.fixture
def nodes(tmp_path: Path, pg_url: str) -> Iterator[Machines]:
    env = {"TASKRUN_NODE_LEASE_S": LEASE_S}
    with machines_on(pg_url, tmp_path, (), env=env) as m:
        added = m.cli("alpha", "task", "add", "long", "--command", "echo up; sleep 60")
        assert added.returncode == 0, added.stderr
        m.start("alpha")
        m.start("beta")
        yield m


def _beat(pg: PgServer, node: str) -> int:
    [(at,)] = rows(pg, f"SELECT heartbeat_at FROM node WHERE name = '{node}'")
    return int(at)  # type: ignore[call-overload]


def test_a_cancel_for_another_nodes_run_is_left_for_that_node(
    nodes: Machines, pg: PgServer
) -> None:
    queued = nodes.cli("alpha", "run", "long", "--node", "beta", "--json")
    assert queued.returncode == 0, queued.stderr
    run_id = json.loads(queued.stdout)[0]["id"]
    running = f"SELECT pid FROM run WHERE id = {run_id} AND status = 'running'"
    wait_for(lambda: bool(rows(pg, running)), timeout=30)
    [(pid,)] = rows(pg, running)
    beta = nodes.daemons["beta"]
    os.kill(beta.pid, signal.SIGSTOP)  # beta cannot act on the request for now
    asked = nodes.cli("alpha", "cancel", str(run_id))
    assert asked.returncode == 0, asked.stderr
    since = _beat(pg, "alpha")
    wait_for(lambda: _beat(pg, "alpha") > since, timeout=30)  # alpha polled after the request
    since = _beat(pg, "alpha")
    wait_for(lambda: _beat(pg, "alpha") > since, timeout=30)  # and a whole pass more
    control = f"SELECT status, control FROM run WHERE id = {run_id}"
    assert rows(pg, control) == [("running", "cancel")]  # alpha left it alone
    os.kill(beta.pid, signal.SIGCONT)
    wait_for(lambda: rows(pg, control)[0][0] == "cancelled", timeout=30)
    wait_for(lambda: gone(int(pid)), timeout=10)  # type: ignore[call-overload]
