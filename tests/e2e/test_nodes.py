"""Nodes: a host says it is there (a heartbeat on the database's clock), `taskrun nodes`
lists the hosts with their state and runs, and a run says which node it executed on."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from taskrun_gui.engine.locks import host_pid
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.schema import Node
from tests.e2e.cli import popen_taskrun, taskrun
from tests.helpers import wait_for


def _nodes(data: Path, db_args: list[str]) -> list[dict[str, object]]:
    res = taskrun(data, *db_args, "nodes", "--json")
    assert res.returncode == 0, res.stderr
    listed: list[dict[str, object]] = json.loads(res.stdout)
    return listed


def test_a_host_is_a_node_with_a_heartbeat(tmp_path: Path, pg_url: str) -> None:
    """On a shared server: a heartbeat in the database, judged by its clock."""
    data, db_args = tmp_path / "data", ["--db", pg_url]
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
    store = Store(data, pg_url).open()
    try:
        Node.update(heartbeat_at=Node.heartbeat_at - 31_000).execute()
    finally:
        store.close()
    assert [n["state"] for n in _nodes(data, db_args)] == ["offline"]


def test_on_sqlite_the_host_lock_says_whether_a_node_is_there(tmp_path: Path) -> None:
    """One machine: no heartbeat is written (an idle host commits nothing); the node is
    online while a host holds the data dir, and the nodes its runs name are listed."""
    data = tmp_path / "data"
    assert taskrun(data, "task", "add", "t", "--command", "echo hi").returncode == 0
    ran = taskrun(data, "--node", "alpha", "run", "t", "--wait")
    assert ran.returncode == 0, ran.stderr
    listed = taskrun(data, "--node", "alpha", "nodes", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [(n["name"], n["state"], n["last_heartbeat"]) for n in json.loads(listed.stdout)] == [
        ("alpha", "offline", None)
    ]
    daemon = popen_taskrun(data, "--node", "alpha", "daemon")
    try:
        wait_for(lambda: host_pid(data / "locks") == daemon.pid, timeout=20)
        [node] = json.loads(taskrun(data, "--node", "alpha", "nodes", "--json").stdout)
        assert (node["name"], node["state"], node["pid"]) == ("alpha", "online", daemon.pid)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=30)


def test_a_bad_node_name_is_one_line(tmp_path: Path) -> None:
    res = taskrun(tmp_path / "d", "--node", " spaced ", "nodes")
    assert res.returncode == 2
    assert (
        res.stderr.splitlines()[-1]
        == ("taskrun: error: --node: must be a name without leading or trailing spaces")
        or "--node: must be a name without leading or trailing spaces" in res.stderr
    )


def test_a_run_for_a_node_that_never_served_is_refused(tmp_path: Path) -> None:
    """A typo in `--node` would queue a run nobody takes (and `--wait` for ever): one line,
    exit 2, nothing queued."""
    data = tmp_path / "data"
    assert taskrun(data, "task", "add", "t", "--command", "true").returncode == 0
    res = taskrun(data, "run", "t", "--node", "nosuch", "--wait")
    assert res.returncode == 2, res.stdout
    assert res.stderr.strip() == (
        "taskrun: --node nosuch: no such node on this history (see `taskrun nodes`)"
    )
    listed = taskrun(data, "runs", "--json")
    assert json.loads(listed.stdout) == []
