"""Runs that have writes waiting in journals or spool files no live process holds (a writer that
died, or closed while the store refused its writes): the database still shows them queued, but
a host already started them, so no host may start them again until those writes are replayed.
Read only: replaying is spool_claims.claim's (through writer.replay_spool)."""

from __future__ import annotations

import fcntl
import os
import stat
from pathlib import Path

from taskrun_gui.core.run_events import RunFinished, RunQueued, event_uid
from taskrun_gui.storage import fallback_dirs, journal

PATTERNS = ("*.jsonl", "*.claimed-*")


def _files(spool_dir: Path) -> list[Path]:
    """The spool's files, and the fallback's when that folder is this user's own (another
    user's folder is not read: it could only hold lies)."""
    folders = [Path(spool_dir)]
    fallback = journal.fallback_dir(spool_dir)
    if fallback_dirs.not_private(fallback) is None:  # the same check as the claim's
        folders.append(fallback)
    return [path for folder in folders for pattern in PATTERNS for path in folder.glob(pattern)]


def _read_unheld(path: Path) -> bytes | None:
    """The file's bytes, unless it is a live writer's journal (its flock): None then. A
    claimed file is read even while held: its holder is replaying a dead host's records,
    which no poller may start again meanwhile."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            if ".claimed-" not in path.name:
                return None  # a live writer's journal: it commits it itself
        data = b""
        while chunk := os.read(fd, 1 << 20):
            data += chunk
        return data
    except OSError:
        return None
    finally:
        os.close(fd)  # releases the shared lock


def waiting_uids(spool_dir: Path, finishes_only: bool = False) -> set[str]:
    """Uids with a later write (started, finished, ...) than being queued waiting in a file
    nobody holds; `finishes_only`: those whose finish waits. Cheap when the spool is empty
    (the usual case)."""
    uids: set[str] = set()
    for path in _files(spool_dir):
        data = _read_unheld(path)
        if not data:
            continue
        for event in journal.decode(data, str(path)):
            if isinstance(event, RunQueued):
                continue  # a queued run is what the poller looks for, not a later write
            if not finishes_only or isinstance(event, RunFinished):
                uids.add(event_uid(event))
    return uids
