"""Who serves a queued run, and what is asked of a run: the host's claims on runs other
processes queued (a compare-and-set on run.host_pid) and control requests (cancel, pause,
resume) any process records. The queries of the poller and the CLI, kept with the other
storage queries so a second backend changes storage only."""

from __future__ import annotations

from taskrun_gui.core.models import Control, RunRecord, RunStatus
from taskrun_gui.storage.runs_repo import to_record
from taskrun_gui.storage.schema import Run

CLAIM_CHUNK = 500  # uids per statement (SQLite's limit on variables)
_QUEUED = str(RunStatus.QUEUED)


def queued_after(last_id: int, unclaimed_only: bool) -> list[RunRecord]:
    """The queued runs with id > last_id, oldest first (`unclaimed_only`: those no host
    claimed)."""
    where = (Run.status == _QUEUED) & (Run.id > last_id)
    if unclaimed_only:
        where &= Run.host_pid.is_null()
    return [to_record(row) for row in Run.select().where(where).order_by(Run.id)]


def queued_uids(before_ms: int | None = None) -> list[str]:
    """The uids of the queued runs (queued before `before_ms`, when given)."""
    query = Run.select(Run.uid).where(Run.status == _QUEUED)
    if before_ms is not None:
        query = query.where(Run.queued_at < before_ms)
    return [str(row.uid) for row in query]


def claim(uids: list[str], pid: int) -> set[str]:
    """Claim the unclaimed queued runs among `uids` for host `pid`; the uids it now holds.
    Call in a write transaction: the update and the read back see the same rows."""
    mine: set[str] = set()
    for i in range(0, len(uids), CLAIM_CHUNK):
        chunk = uids[i : i + CLAIM_CHUNK]
        Run.update(host_pid=pid).where(
            Run.uid.in_(chunk) & (Run.status == _QUEUED) & Run.host_pid.is_null()
        ).execute()
        query = Run.select(Run.uid).where(Run.uid.in_(chunk) & (Run.host_pid == pid))
        mine.update(str(row.uid) for row in query)
    return mine


def clear_claims() -> None:
    """Claims on queued runs are the dead hosts' (one host serves a data dir, and this one
    has claimed nothing yet): those runs are free again."""
    Run.update(host_pid=None).where((Run.status == _QUEUED) & Run.host_pid.is_null(False)).execute()


def request_control(uid: str, control: Control) -> None:
    """Ask the host running run `uid` to cancel, pause or resume it (it acts within a poll)."""
    Run.update(control=str(control)).where(Run.uid == uid).execute()
