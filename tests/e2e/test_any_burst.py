"""A burst of runs queued for any node, from three processes at once, with three nodes
serving one PostgreSQL history: each run executes exactly once, and the burst spreads over
the nodes (a node claims runs queued for any node only up to its free slots)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.machines import Machines, rows
from tests.helpers import wait_for
from tests.pg_server import PgServer

NODES = ("alpha", "beta", "gamma")
REPEATS = (167, 167, 166)  # 500


@pytest.fixture
def machines(tmp_path: Path, pg_url: str) -> Iterator[Machines]:
    m = Machines(pg_url, {n: tmp_path / n for n in NODES})
    added = m.cli("alpha", "task", "add", "noop", "--command", "echo ran", "--max-concurrent", "8")
    assert added.returncode == 0, added.stderr
    try:
        for node in NODES:
            m.start(node, "--workers", "4")
        yield m
    finally:
        m.stop_all()


def test_a_burst_for_any_node_runs_once_spread_over_the_nodes(
    machines: Machines, pg: PgServer
) -> None:
    queuing = [
        machines.popen_cli(node, "run", "noop", "--node", "any", "--repeat", str(n))
        for node, n in zip(NODES, REPEATS, strict=True)
    ]
    for proc in queuing:  # the three at once
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err

    def all_done() -> bool:
        return rows(pg, "SELECT count(*) FROM run WHERE status IN ('queued', 'running')") == [(0,)]

    wait_for(all_done, timeout=120)
    found = rows(pg, "SELECT uid, status, node, log_path FROM run")
    assert len(found) == 500 and len({uid for uid, *_ in found}) == 500
    assert {status for _u, status, _n, _l in found} == {"success"}
    for _uid, _status, node, log in found:  # logged where it executed
        assert Path(str(log)).is_relative_to(machines.dirs[str(node)] / "logs")
        assert Path(str(log)).read_bytes() == b"ran\n"
    logs = [p for node in NODES for p in (machines.dirs[node] / "logs").rglob("*.log")]
    assert len(logs) == 500  # executed once each: no second log anywhere
    share = Counter(str(node) for _u, _s, node, _l in found)
    # spread: every node a real share (claiming every waiting run in one pass, the first
    # node to look took most of it and one node none)
    assert set(share) == set(NODES) and min(share.values()) >= 25, share
    daily = rows(pg, "SELECT sum(success) FROM task_day")
    assert daily == [(500,)]  # each end counted once
