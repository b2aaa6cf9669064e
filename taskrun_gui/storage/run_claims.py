"""Who serves a queued run, and what is asked of a run: the host's claims on runs other
processes queued (a compare-and-set on run.host_pid) and control requests (cancel, pause,
resume) any process records. The queries of the poller and the CLI, kept with the other
storage queries so a second backend changes storage only."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from typing import Any, cast

from peewee import Case

from taskrun_gui.core.models import Control, ErrorType, RunRecord, RunStatus
from taskrun_gui.core.nodes import ANY_NODE
from taskrun_gui.core.run_events import RunFinished
from taskrun_gui.core.timefmt import now_ms
from taskrun_gui.storage import recorder
from taskrun_gui.storage.runs_repo import servable_by, to_record
from taskrun_gui.storage.schema import Run

CLAIM_CHUNK = 500  # uids per statement (SQLite's limit on variables)
_QUEUED = str(RunStatus.QUEUED)


def queued_after(last_id: int, unclaimed_only: bool, node: str) -> list[RunRecord]:
    """The queued runs `node` may take with id > last_id, oldest first (`unclaimed_only`:
    those no host claimed, and this process's own claims: one whose commit went through but
    whose answer the connection lost is taken up again, not left queued for ever)."""
    where = _queued_where(last_id, unclaimed_only, node)
    return [to_record(row) for row in Run.select().where(where).order_by(Run.id)]


def queued_ids_after(last_id: int, unclaimed_only: bool, node: str) -> list[tuple[int, str]]:
    """(id, uid) of what `queued_after` returns: a look that is cheap when the host knows
    them all (its own burst of a thousand, read as records, costs tens of milliseconds)."""
    query = Run.select(Run.id, Run.uid).where(_queued_where(last_id, unclaimed_only, node))
    rows = cast(Iterable[tuple[Any, Any]], query.order_by(Run.id).tuples())
    return [(int(i), str(u)) for i, u in rows]


def newest_row() -> tuple[int, str] | None:
    """(id, uid) of the newest run."""
    row = Run.select(Run.id, Run.uid).order_by(Run.id.desc()).limit(1).tuples().first()
    return None if row is None else (int(row[0]), str(row[1]))


def uid_at(run_id: int) -> str | None:
    """The uid of run `run_id` (None: no such row)."""
    uid = Run.select(Run.uid).where(Run.id == run_id).scalar()
    return None if uid is None else str(uid)


def _queued_where(last_id: int, unclaimed_only: bool, node: str) -> Any:
    where = (Run.status == _QUEUED) & (Run.id > last_id) & servable_by(node)
    if unclaimed_only:
        where &= Run.host_pid.is_null() | (Run.host_pid == os.getpid())
    return where


def queued_uids(node: str, before_ms: int | None = None) -> list[str]:
    """The uids of the queued runs `node` may take (queued before `before_ms`, if given)."""
    query = Run.select(Run.uid).where((Run.status == _QUEUED) & servable_by(node))
    if before_ms is not None:
        query = query.where(Run.queued_at < before_ms)
    return [str(row.uid) for row in query]


def claim(
    uids: list[str], pid: int, node: str, log_paths: dict[str, str] | None = None
) -> set[str]:
    """Claim the unclaimed queued runs among `uids` for host `pid` of `node` (a run queued
    for any node becomes this node's); the uids it now holds. Call in a write transaction:
    the update and the read back see the same rows, and no other node's claim comes in
    between (every TaskRun write transaction takes the database's write lock first, SQLite's
    or the PostgreSQL backend's advisory lock: a compare-and-set, as atomic as SELECT ... FOR
    UPDATE SKIP LOCKED and without a second round trip). `log_paths`: new log paths of runs
    another node queued (a path in its data dir, which is not on this machine). A run queued
    for any node keeps that in any_node: the claim goes back to the others if `node` dies."""
    mine: set[str] = set()
    was_any = Case(None, [(Run.node == ANY_NODE, True)], Run.any_node)
    for i in range(0, len(uids), CLAIM_CHUNK):
        chunk = uids[i : i + CLAIM_CHUNK]
        Run.update(host_pid=pid, node=node, any_node=was_any).where(
            Run.uid.in_(chunk)
            & (Run.status == _QUEUED)
            & Run.host_pid.is_null()
            & servable_by(node)
        ).execute()
        query = Run.select(Run.uid).where(
            Run.uid.in_(chunk) & (Run.host_pid == pid) & (Run.node == node)
        )
        mine.update(str(row.uid) for row in query)
    for uid, path in (log_paths or {}).items():  # logged where this node keeps its logs
        if uid in mine:
            Run.update(log_path=path).where(Run.uid == uid).execute()
    return mine


def lost(uids: set[str], pid: int, node: str) -> list[str]:
    """The runs among `uids` (this host's) the history no longer gives it: final already
    (another node recorded them interrupted), or queued and now another node's or any
    node's (its claim given back)."""
    found: list[str] = []
    final = [str(s) for s in RunStatus if s.is_final]
    ordered = sorted(uids)
    for i in range(0, len(ordered), CLAIM_CHUNK):
        chunk = ordered[i : i + CLAIM_CHUNK]
        where = Run.uid.in_(chunk) & (
            Run.status.in_(final)
            | ((Run.status == _QUEUED) & ((Run.node != node) | (Run.host_pid != pid)))
        )
        found += [str(row.uid) for row in Run.select(Run.uid).where(where)]
    return found


def clear_claims(node: str) -> None:
    """Claims of `node` on queued runs are its dead hosts' (one host serves a node, and this
    one has claimed nothing yet): those runs are free again."""
    Run.update(host_pid=None).where(
        (Run.status == _QUEUED)
        & Run.host_pid.is_null(False)
        & ((Run.node == node) | Run.node.is_null())
    ).execute()


def with_control(node: str) -> list[RunRecord]:
    """The runs with a control request that `node`'s host may act on: its own, those recorded
    before runs had a node, and those queued for any node no node has claimed yet (on a
    shared history another node's request is that node's: acting here would clear it)."""
    mine = (node, None, ANY_NODE)
    return [to_record(r) for r in controlled_runs() if r.node in mine]


def controlled_runs() -> Any:
    """The runs with a control request: the partial index run_control, a few rows. The node
    is left out of the WHERE: with it SQLite searched the node index instead, every row
    recorded before runs had a node (the whole of an old history, at every poll)."""
    return Run.select().where(Run.control.is_null(False))


def cancel_unclaimed(rec: RunRecord, shared: bool) -> bool:
    """Cancel queued run `rec` in the store when no host holds it (on one machine's history
    the caller knows no host is there; on a shared one, no node has claimed it): True when
    it did. Call in a write transaction: the check and the finish see the same row, and no
    node's claim comes in between (a claimed run is its node's to cancel)."""
    row = Run.get_or_none(Run.uid == rec.uid)
    if row is None or row.status != _QUEUED or (shared and row.host_pid is not None):
        return False
    final = replace(
        rec,
        status=RunStatus.CANCELLED,
        finished_at=now_ms(),
        error_type=ErrorType.CANCELLED,
        error_message="cancelled while queued",
        control=None,
    )
    recorder.apply(RunFinished.of(final))
    Run.update(control=None).where(Run.uid == rec.uid).execute()
    return True


def still_queued(uids: list[str]) -> set[str]:
    """Those of `uids` whose run is queued now (one may have started or ended since it was
    read: a cancel meant for the queue must not stop it)."""
    found: set[str] = set()
    for start in range(0, len(uids), 500):  # chunks SQLite can bind
        chunk = uids[start : start + 500]
        query = Run.select(Run.uid).where(Run.uid.in_(chunk) & (Run.status == _QUEUED))
        found.update(str(row.uid) for row in query)
    return found


def request_control(uid: str, control: Control) -> None:
    """Ask the host running run `uid` to cancel, pause or resume it (it acts within a poll)."""
    Run.update(control=str(control)).where(Run.uid == uid).execute()
