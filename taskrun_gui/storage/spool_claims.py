"""Taking what earlier processes left in the spool (journal.py) for replay, safely.

A file is claimed by flocking it and renaming it `.claimed-<pid>-<ns>` (so only one process
replays it), and it stays, flocked, until its events are committed (`Claim.done`); when the
replay fails or is interrupted (`Claim.release`, or the process dies) it stays for the next
process, which takes `.claimed-*` files whose flock is free like any other. Replaying twice
is harmless (journal.py); losing a dead host's finish is not.

The fallback spool is in the shared temporary directory under a predictable name, so it is
read only when it and its parent are this user's own 0700 folders, each file only when it is
a regular file of this user (opened without following a link), and an event that would make
a run log to a file outside the store's logs folder is dropped: what another local user put
there never becomes a run of this user."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import stat
import time
from dataclasses import replace
from pathlib import Path

from taskrun_gui.core.run_events import RunEvent, RunFinished, RunQueued, event_uid
from taskrun_gui.storage import fallback_dirs
from taskrun_gui.storage.journal import decode, fallback_dir

log = logging.getLogger(__name__)
_warned: set[str] = set()  # refused fallback folders already said (once per process)


class Claim:
    """The events of the files claimed, oldest first, and the files, flocked until
    `done` (all committed: they go) or `release` (they stay for the next process)."""

    def __init__(self) -> None:
        self.events: list[RunEvent] = []
        self._files: list[tuple[int, Path]] = []

    def done(self) -> None:
        for fd, path in self._files:
            with contextlib.suppress(OSError):
                os.unlink(path)  # under the flock: nobody replays it again
            os.close(fd)
        self._files.clear()

    def release(self) -> None:
        for fd, _path in self._files:
            os.close(fd)
        self._files.clear()


def claim(spool_dir: Path) -> Claim:
    """Take the journals and spool files no live process holds, oldest first (the data
    dir's spool and its fallback, when that one is this user's own)."""
    spool_dir = Path(spool_dir)
    logs_dir = os.path.realpath(spool_dir.parent / "logs")
    taken = Claim()
    try:
        for path in sorted(_candidates(spool_dir), key=_age):
            got = _take(path)
            if got is None:
                continue
            fd, claimed, data = got
            taken._files.append((fd, claimed))
            taken.events += _inside(decode(data, str(path)), logs_dir, path)
    except BaseException:
        taken.release()  # what was renamed stays for the next process
        raise
    return taken


def _candidates(spool_dir: Path) -> list[Path]:
    paths = [*spool_dir.glob("*.jsonl"), *spool_dir.glob("*.claimed-*")]
    fallback = fallback_dir(spool_dir)
    problem = fallback_dirs.not_private(fallback)
    if problem is None:
        paths += [*fallback.glob("*.jsonl"), *fallback.glob("*.claimed-*")]
    elif problem != fallback_dirs.MISSING and str(fallback) not in _warned:
        _warned.add(str(fallback))
        log.warning("not replaying run records from %s: %s", fallback, problem)
    return paths


def _take(path: Path) -> tuple[int, Path, bytes] | None:
    """The file flocked, renamed and read; None when it is held by a live process, gone, or
    not a regular file of this user."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None  # gone (another process claimed it), or a link
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid():
            log.warning("not replaying %s: not a file of this user", path)
            raise OSError("refused")
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held: its writer (or claimer) lives
        now = os.stat(path, follow_symlinks=False)
        if (now.st_ino, now.st_dev) != (st.st_ino, st.st_dev):
            raise OSError("replaced")  # claimed and done by another process meanwhile
        claimed = path.with_suffix(f".claimed-{os.getpid()}-{time.time_ns()}")
        os.rename(path, claimed)
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
    except OSError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd, claimed, b"".join(chunks)


def _inside(events: list[RunEvent], logs_dir: str, source: Path) -> list[RunEvent]:
    """The events, without one that would make a run log outside the store's logs folder."""
    kept = []
    for event in events:
        rec = event.record if isinstance(event, RunQueued) else None
        if isinstance(event, RunFinished):
            rec = event.retry
        if rec is not None and not _under(rec.log_path, logs_dir):
            log.warning(
                "dropping a record of run %s from %s: its log %r is not in %s",
                event_uid(event),
                source,
                rec.log_path,
                logs_dir,
            )
            if not isinstance(event, RunFinished):
                continue
            event = replace(event, retry=None)  # the finish itself is kept: only its retry goes
        kept.append(event)
    return kept


def _under(path: str, folder: str) -> bool:
    return bool(path) and os.path.realpath(path).startswith(folder + os.sep)


def _age(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
