"""A schedule on a shared history fires once, whichever nodes serve it: every node's
scheduler sees the same fire time, and only the node whose compare-and-set on the task's
last fire wins starts it."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.machines import Machines, rows
from tests.helpers import wait_for
from tests.pg_server import PgServer


@pytest.fixture
def nodes(tmp_path: Path, pg_url: str) -> Iterator[Machines]:
    m = Machines(pg_url, {n: tmp_path / n for n in ("alpha", "beta", "gamma")})
    m.env = {"TASKRUN_NODE_LEASE_S": "10"}  # longer than the nodes are stopped below
    try:
        for node in ("alpha", "beta", "gamma"):
            m.start(node)
        yield m
    finally:
        m.stop_all()


def _beats(pg: PgServer) -> dict[str, int]:
    return {str(n): int(at) for n, at in rows(pg, "SELECT name, heartbeat_at FROM node")}  # type: ignore[call-overload]


def _next_beats(pg: PgServer) -> None:
    """Until every node beat again (its poller made a pass since)."""
    seen = _beats(pg)
    wait_for(lambda: all(_beats(pg)[n] > seen[n] for n in seen), timeout=30)


def test_a_schedule_fires_once_over_three_nodes(nodes: Machines, pg: PgServer) -> None:
    when = datetime.now().astimezone() + timedelta(seconds=3)
    at = when.isoformat(timespec="seconds")
    added = nodes.cli("alpha", "task", "add", "once", "--command", "echo fired", "--at", at)
    assert added.returncode == 0, added.stderr
    _next_beats(pg)  # every node has read the task
    daemons = list(nodes.daemons.values())
    for proc in daemons:  # all three look at the fire time at the same moment, once past it
        proc.send_signal(signal.SIGSTOP)
    try:
        past = when + timedelta(seconds=1)
        wait_for(lambda: datetime.now().astimezone() > past, timeout=10)
    finally:
        for proc in daemons:
            proc.send_signal(signal.SIGCONT)
    wait_for(lambda: rows(pg, "SELECT count(*) FROM run WHERE status = 'success'") == [(1,)], 30)
    for _ in range(2):  # every node's scheduler looked again past the fire time, twice
        _next_beats(pg)
    assert rows(pg, "SELECT trigger, status FROM run") == [("schedule", "success")]
