"""Nodes: a host says it is there (a heartbeat on the database's clock), `taskrun nodes`
lists the hosts with their state and runs, and a run says which node it executed on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from taskrun_gui.storage.db import Store
from taskrun_gui.storage.schema import Node
from tests.e2e.cli import taskrun


@pytest.fixture(params=["sqlite", "postgresql"])
def db_args(request: pytest.FixtureRequest) -> list[str]:
    if request.param == "sqlite":
        return []
    return ["--db", str(request.getfixturevalue("pg_url"))]


def _nodes(data: Path, db_args: list[str]) -> list[dict[str, object]]:
    res = taskrun(data, *db_args, "nodes", "--json")
    assert res.returncode == 0, res.stderr
    listed: list[dict[str, object]] = json.loads(res.stdout)
    return listed


def test_a_host_is_a_node_with_a_heartbeat(tmp_path: Path, db_args: list[str]) -> None:
    data = tmp_path / "data"
    added = taskrun(data, *db_args, "task", "add", "t", "--command", "echo hi")
    assert added.returncode == 0, added.stderr
    assert _nodes(data, db_args) == []
    ran = taskrun(data, *db_args, "--node", "alpha", "run", "t", "--wait")
    assert ran.returncode == 0, ran.stderr
    runs = json.loads(taskrun(data, *db_args, "runs", "--json").stdout)
    assert [(r["status"], r["node"]) for r in runs] == [("success", "alpha")]
    [node] = _nodes(data, db_args)
    assert (node["name"], node["state"], node["running"], node["queued"]) == (
        "alpha",
        "online",
        0,
        0,
    )
    assert node["last_heartbeat"]
    # silent for longer than the lease, by the database's clock: offline
    store = Store(data, db_args[1] if db_args else None).open()
    try:
        Node.update(heartbeat_at=Node.heartbeat_at - 31_000).execute()
    finally:
        store.close()
    assert [n["state"] for n in _nodes(data, db_args)] == ["offline"]


def test_a_bad_node_name_is_one_line(tmp_path: Path) -> None:
    res = taskrun(tmp_path / "d", "--node", " spaced ", "nodes")
    assert res.returncode == 2
    assert (
        res.stderr.splitlines()[-1]
        == ("taskrun: error: --node: must be a name without leading or trailing spaces")
        or "--node: must be a name without leading or trailing spaces" in res.stderr
    )
