"""Every node sees every run through PostgreSQL's notifications, not its poll: with every
fallback poll set to ten minutes ($TASKRUN_POLL_S), a run queued on one node for another
starts there and its `--wait` on the first returns when it ends, and a cancel recorded on
one node stops the run on another, all well within the tests' timeouts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskrun_gui.storage.pg_listen import APPLICATION_NAME, CHANNEL
from tests.e2e.test_shared_nodes import Machines, _gone, _rows, machines  # noqa: F401
from tests.helpers import wait_for
from tests.pg_server import PgServer

SLOW_POLL = "600"  # no poll looks in time: only a notification can


def listening(pg: PgServer) -> int:
    """Sessions LISTENing for run changes now (one per TaskRun process)."""
    [(count,)] = _rows(
        pg,
        "SELECT count(*) FROM pg_stat_activity WHERE application_name ="
        f" '{APPLICATION_NAME}' AND query = 'LISTEN {CHANNEL}'",
    )
    return int(count)  # type: ignore[call-overload]


@pytest.fixture
def slow_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every TaskRun process the test starts polls the store once in ten minutes."""
    monkeypatch.setenv("TASKRUN_POLL_S", SLOW_POLL)


@pytest.fixture
def nodes(slow_polls: None, machines: Machines, pg: PgServer) -> Iterator[Machines]:  # noqa: F811
    """alpha and beta serving, each listening, each past its first look (and heartbeat)."""
    wait_for(lambda: listening(pg) >= 2, timeout=30)
    wait_for(lambda: _rows(pg, "SELECT count(*) FROM node") == [(2,)], timeout=30)
    yield machines


def test_a_run_queued_for_another_node_starts_there_and_its_wait_returns(
    nodes: Machines, pg: PgServer
) -> None:
    done = nodes.cli("gamma", "run", "hello", "--node", "beta", "--wait", "--json")
    assert done.returncode == 0, done.stderr
    [run] = json.loads(done.stdout)
    assert run["status"] == "success"
    [(node, log)] = _rows(pg, f"SELECT node, log_path FROM run WHERE id = {run['id']}")
    assert node == "beta"
    assert Path(str(log)).read_text().startswith("hi from ")


def test_a_cancel_recorded_on_one_node_stops_the_run_on_another(
    nodes: Machines, pg: PgServer
) -> None:
    added = nodes.cli("alpha", "task", "add", "long", "--command", "echo up; sleep 60")
    assert added.returncode == 0, added.stderr
    queued = nodes.cli("alpha", "run", "long", "--node", "beta", "--json")
    assert queued.returncode == 0, queued.stderr
    run_id = json.loads(queued.stdout)[0]["id"]
    running = f"SELECT pid FROM run WHERE id = {run_id} AND status = 'running'"
    wait_for(lambda: bool(_rows(pg, running)), timeout=30)
    [(pid,)] = _rows(pg, running)
    asked = nodes.cli("alpha", "cancel", str(run_id))
    assert asked.returncode == 0, asked.stderr
    status = f"SELECT status FROM run WHERE id = {run_id}"
    wait_for(lambda: _rows(pg, status) == [("cancelled",)], timeout=30)
    wait_for(lambda: _gone(int(pid)), timeout=10)  # type: ignore[call-overload]


def test_a_slow_fallback_poll_keeps_the_heartbeat_going(nodes: Machines, pg: PgServer) -> None:
    """A poll of ten minutes does not make a node look dead: its heartbeat keeps its pace."""
    beat = "SELECT heartbeat_at FROM node WHERE name = 'beta'"
    [(first,)] = _rows(pg, beat)
    wait_for(lambda: _rows(pg, beat)[0][0] > first, timeout=30)  # type: ignore[operator]
    listed = nodes.cli("alpha", "nodes", "--json")
    assert listed.returncode == 0, listed.stderr
    assert {n["name"]: n["state"] for n in json.loads(listed.stdout)} == {
        "alpha": "online",
        "beta": "online",
    }
