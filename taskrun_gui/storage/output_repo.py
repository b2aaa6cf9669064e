"""The shipped output of runs (table run_output): what the node executing a run has put in a
shared history so that the other nodes can show and follow it without a shared file system.

A run's bytes are kept as chunks at their offsets in its log; only the newest `keep` bytes
(whole chunks) are kept, so a reader may find the first bytes gone and say so. Every write is
one statement in autocommit (no transaction, so not the history's write lock: shipping never
makes the run records wait), and writing the same chunk twice (a retry after a commit whose
answer was lost) changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from taskrun_gui.core.timefmt import now_ms
from taskrun_gui.storage import backend

CHUNK_BYTES = 64 * 1024  # the most bytes one row holds
DEFAULT_KEEP = 8 * 1024 * 1024  # bytes of a run's newest output kept in the database


@dataclass
class Shipped:
    """Bytes of a run's output read from the database."""

    start: int  # the log offset of data[0]
    data: bytes
    kept_from: int  # the first offset still in the database (bytes before it were dropped)

    @property
    def end(self) -> int:
        return self.start + len(self.data)


def shared() -> bool:
    """Whether the bound history is shared by nodes (PostgreSQL), so output is shipped."""
    return backend.current().name == "postgresql"


def append(uid: str, first_seq: int, start: int, data: bytes, keep: int = DEFAULT_KEEP) -> int:
    """Store `data`, the bytes of run `uid`'s log from offset `start`, as chunks numbered from
    `first_seq`; then drop the chunks wholly older than the newest `keep` bytes. Returns the
    number of chunks written (the next first_seq is first_seq + that)."""
    pieces = [data[i : i + CHUNK_BYTES] for i in range(0, len(data), CHUNK_BYTES)]
    if not pieces:
        return 0
    created = now_ms()
    rows = [
        (uid, first_seq + n, start + n * CHUNK_BYTES, piece, created)
        for n, piece in enumerate(pieces)
    ]
    backend.query(
        "INSERT INTO run_output (run_uid, seq, byte_offset, data, created_at) VALUES "
        + ", ".join(["(?, ?, ?, ?, ?)"] * len(rows))
        + " ON CONFLICT (run_uid, seq) DO NOTHING",
        [value for row in rows for value in row],
    )
    end = start + len(data)
    if end > keep:
        backend.query(
            "DELETE FROM run_output WHERE run_uid = ? AND byte_offset + length(data) <= ?",
            (uid, end - keep),
        )
    return len(pieces)


def read(uid: str, start: int = 0, limit: int | None = None) -> Shipped:
    """The kept bytes of run `uid` from offset `start` (from the first kept one when those
    were dropped), at most `limit` of them (the first ones)."""
    rows = backend.query(
        "SELECT byte_offset, data FROM run_output WHERE run_uid = ?"
        " AND byte_offset + length(data) > ? ORDER BY seq",
        (uid, start),
    ).fetchall()
    kept_from = kept_start(uid) if not rows or rows[0][0] > start else start
    parts: list[bytes] = []
    at = first = max(start, int(rows[0][0])) if rows else start
    for offset, data in rows:
        piece = bytes(data)[max(0, at - int(offset)) :]
        if limit is not None:
            piece = piece[: max(0, limit - (at - first))]
        if not piece:
            break
        parts.append(piece)
        at += len(piece)
    return Shipped(first, b"".join(parts), kept_from)


def kept_start(uid: str) -> int:
    """The offset of the first byte of run `uid` still kept (0 when none was dropped)."""
    row = backend.query(
        "SELECT min(byte_offset) FROM run_output WHERE run_uid = ?", (uid,)
    ).fetchone()
    return int(row[0] or 0) if row else 0


def end_of(uid: str) -> int:
    """The offset just past the last byte shipped of run `uid` (0: nothing yet)."""
    row = backend.query(
        "SELECT max(byte_offset + length(data)) FROM run_output WHERE run_uid = ?", (uid,)
    ).fetchone()
    return int(row[0] or 0) if row else 0


def delete_runs(uids: Iterable[str]) -> int:
    """Drop the shipped output of these runs (their logs were removed); rows deleted."""
    wanted = list(uids)
    if not wanted:
        return 0
    cursor = backend.query(
        f"DELETE FROM run_output WHERE run_uid IN ({backend.marks(len(wanted))})", wanted
    )
    return int(getattr(cursor, "rowcount", 0) or 0)
