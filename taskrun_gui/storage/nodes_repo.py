"""Nodes on this history (core.nodes): heartbeats, and the list `taskrun nodes` shows. Times
are the database's clock, so a node whose clock is off is judged the same as the others."""

from __future__ import annotations

from dataclasses import dataclass

from taskrun_gui.core.models import RunStatus
from taskrun_gui.core.nodes import lease_s
from taskrun_gui.storage import backend

_LIVE = (str(RunStatus.RUNNING), str(RunStatus.PAUSED))
_QUEUED = str(RunStatus.QUEUED)


@dataclass(frozen=True)
class NodeRow:
    name: str
    online: bool  # a heartbeat within the lease, by the database's clock
    heartbeat_at: int | None  # epoch ms, the database's clock (None: SQLite keeps none)
    started_at: int | None  # when its current host process first beat
    pid: int | None
    running: int  # running or paused runs of the node
    queued: int  # runs queued for it


def beat(name: str, pid: int, boot: str | None = None) -> None:
    """Say node `name` (host process `pid` of boot `boot`, core.nodes.boot_id) is there; a
    new process restarts its started_at. Call in a write transaction."""
    now = backend.current().now_ms_sql()
    backend.query(
        f"INSERT INTO node (name, heartbeat_at, started_at, pid, boot_id)"
        f" VALUES (?, {now}, {now}, ?, ?)"
        " ON CONFLICT(name) DO UPDATE SET heartbeat_at = excluded.heartbeat_at,"
        " started_at = CASE WHEN node.pid = excluded.pid THEN node.started_at"
        " ELSE excluded.started_at END, pid = excluded.pid, boot_id = excluded.boot_id",
        [name, pid, boot],
    )


@dataclass
class Holder:
    """The host process that last beat a node, and how long ago (the database's clock)."""

    heartbeat_at: int
    age_ms: int
    pid: int | None
    boot: str | None


def holder(name: str) -> Holder | None:
    """Who last beat node `name`; None: nobody ever did."""
    now = backend.current().now_ms_sql()
    row = backend.query(
        f"SELECT heartbeat_at, {now} - heartbeat_at, pid, boot_id FROM node WHERE name = ?",
        [name],
    ).fetchone()
    if row is None:
        return None
    beat_at, age, pid, boot = row
    return Holder(int(beat_at), int(age), None if pid is None else int(pid), boot)


def list_local(name: str, host_pid: int | None) -> list[NodeRow]:
    """The nodes of an SQLite history (one machine): those its runs name and this one, which
    is online while a host holds the data dir (`host_pid`); no heartbeats are kept."""
    counts = _counts()
    names = sorted({*counts, name})
    return [
        NodeRow(
            name=n,
            online=n == name and host_pid is not None,
            heartbeat_at=None,
            started_at=None,
            pid=host_pid if n == name else None,
            running=counts.get(n, [0, 0])[0],
            queued=counts.get(n, [0, 0])[1],
        )
        for n in names
    ]


def _counts() -> dict[str, list[int]]:
    """[running or paused, queued] per node."""
    counts: dict[str, list[int]] = {}
    rows = backend.query(
        "SELECT node, status, COUNT(*) FROM run WHERE node IS NOT NULL"
        f" AND status IN ({backend.marks(3)}) GROUP BY node, status",
        [*_LIVE, _QUEUED],
    )
    for node, status, n in rows:
        pair = counts.setdefault(str(node), [0, 0])
        pair[1 if status == _QUEUED else 0] += int(n)
    return counts


def list_nodes() -> list[NodeRow]:
    """Every node that ever beat, by name, with its state and run counts."""
    now = int(backend.query(f"SELECT {backend.current().now_ms_sql()}").fetchone()[0])
    counts, lease = _counts(), lease_s()
    found = backend.query("SELECT name, heartbeat_at, started_at, pid FROM node ORDER BY name")
    return [
        NodeRow(
            name=str(name),
            online=now - int(beat_at) < lease * 1000,
            heartbeat_at=int(beat_at),
            started_at=int(started),
            pid=None if pid is None else int(pid),
            running=counts.get(str(name), [0, 0])[0],
            queued=counts.get(str(name), [0, 0])[1],
        )
        for name, beat_at, started, pid in found
    ]
