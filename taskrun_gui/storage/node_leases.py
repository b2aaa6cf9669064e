"""A node's lease on a shared history: a node whose heartbeat is older than the lease, by
the database's clock, is dead to the others. What it held is looked for here (its running
and paused runs, its claims on runs queued for any node) and its claims given back; the
live node that takes it over records the runs' ends through the recovery path
(engine/node_watch.py)."""

from __future__ import annotations

from dataclasses import dataclass

from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.core.nodes import ANY_NODE
from taskrun_gui.storage import backend
from taskrun_gui.storage.runs_repo import to_record
from taskrun_gui.storage.schema import Run

_LIVE = (str(RunStatus.RUNNING), str(RunStatus.PAUSED))
_QUEUED = str(RunStatus.QUEUED)
_INTERRUPTED = str(RunStatus.INTERRUPTED)


@dataclass(frozen=True)
class DeadNode:
    name: str
    silent_ms: int  # since its last heartbeat, by the database's clock
    now_ms: int  # the database's clock when that was judged


def _holds(alias: str) -> str:
    """SQL: the node named by `alias`.name holds runs (live ones, or claims on runs queued
    for any node): there is something to take over."""
    return (
        f"EXISTS (SELECT 1 FROM run WHERE run.node = {alias}.name AND (run.status IN (?, ?)"
        " OR (run.status = ? AND run.any_node = ?)))"
    )


def dead_nodes(me: str, lease_s: float) -> list[DeadNode]:
    """The nodes other than `me` silent for longer than the lease that still hold runs."""
    now = backend.current().now_ms_sql()
    rows = backend.query(
        f"SELECT name, {now} - heartbeat_at, {now} FROM node"
        f" WHERE name <> ? AND heartbeat_at < {now} - ? AND {_holds('node')} ORDER BY name",
        [me, int(lease_s * 1000), *_LIVE, _QUEUED, True],
    )
    return [DeadNode(str(n), int(silent), int(at)) for n, silent, at in rows]


def still_dead(name: str, lease_s: float) -> DeadNode | None:
    """`name` as dead_nodes sees it, judged again (call in the write transaction that takes
    it over: a heartbeat committed meanwhile keeps it alive)."""
    now = backend.current().now_ms_sql()
    row = backend.query(
        f"SELECT {now} - heartbeat_at, {now} FROM node WHERE name = ? AND heartbeat_at < {now} - ?",
        [name, int(lease_s * 1000)],
    ).fetchone()
    return None if row is None else DeadNode(name, int(row[0]), int(row[1]))


def live_runs(name: str) -> list[RunRecord]:
    """The running and paused runs of node `name` (only that node's)."""
    rows = Run.select().where((Run.node == name) & Run.status.in_(list(_LIVE))).order_by(Run.id)
    return [to_record(r) for r in rows]


def release_any_claims(name: str) -> int:
    """Runs queued for any node that `name` claimed and never started: any node's again
    (their log path is set anew by the node that claims them). Runs queued for `name` by
    name stay queued for it. Call in a write transaction; how many were released."""
    return int(
        Run.update(node=ANY_NODE, host_pid=None, any_node=False)
        .where((Run.node == name) & (Run.status == _QUEUED) & (Run.any_node == True))  # noqa: E712
        .execute()
    )


def taken_over(name: str, since_ms: int) -> list[RunRecord]:
    """Runs of node `name` interrupted since `since_ms` (the database's clock) that had a
    process here: those another node took over while this one was away, whose processes
    its host, back now, still stops."""
    where = (
        (Run.node == name)
        & (Run.status == _INTERRUPTED)
        & Run.pid.is_null(False)
        & Run.host.is_null()
        & (Run.finished_at >= since_ms)
    )
    return [to_record(r) for r in Run.select().where(where)]


def instance_started_at(name: str) -> int | None:
    """When node `name`'s last host process first beat (None: it never did)."""
    row = backend.query("SELECT started_at FROM node WHERE name = ?", [name]).fetchone()
    return None if row is None else int(row[0])
