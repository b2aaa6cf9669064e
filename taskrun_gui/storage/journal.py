"""Run writes kept on disk until the database has them: the writer's journal and the spool.

Every run event a writer accepts is appended to its journal (one JSON line, one write(2),
no fsync: what a killed process wrote is in the page cache and survives it) before anyone can
act on it, and the journal is emptied whenever everything is committed. The writer holds an
flock on its journal, so nobody replays a live writer's file; a writer that dies (or closes
with writes the store refused) leaves its journal in the spool folder, and the next process
that opens the store replays it (spool_claims.py) before it marks any run interrupted.
Replaying is idempotent:
an insert that is there already is skipped, and updates and finishes never touch a final run.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import time
from collections.abc import Iterable
from pathlib import Path

from taskrun_gui.core.run_event_codec import from_dict, to_dict
from taskrun_gui.core.run_events import RunEvent
from taskrun_gui.storage import fallback_dirs
from taskrun_gui.storage.legacy_ops import is_legacy, legacy_event

log = logging.getLogger(__name__)


def encode(events: Iterable[RunEvent]) -> bytes:
    """One JSON line per event (see core.run_event_codec)."""
    return b"".join(json.dumps(to_dict(e)).encode() + b"\n" for e in events)


def decode(data: bytes, source: str) -> list[RunEvent]:
    """The events in a journal, including the operations an older release wrote there
    (legacy_ops); a line cut short by a full disk or a crash is skipped."""
    events = []
    for line in data.splitlines():
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            events.append(legacy_event(item) if is_legacy(item) else from_dict(item))
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("skipping a damaged line in %s", source)
    return events


class Journal:
    """The journal of one writer: appended under the writer's lock, in submission order.

    When the disk refuses a write, every event appended since the last `clear` (the file's
    lines and those it refused) is written to a new journal in the other folder (the data
    dir's spool or its fallback) and the journal goes on there; when that is refused too the
    events wait in memory and a later append tries both again (at most once per RETRY_S), in
    order, so a journal never has a gap."""

    def __init__(self, spool_dir: Path) -> None:
        self._folders = (Path(spool_dir), fallback_dir(spool_dir))
        self.path = self._folders[0] / _new_name()
        self.failed = False  # the disk refused a write: those writes live in memory only
        self._warned = False
        self._size = 0
        self._fd: int | None = None
        self._unsaved: list[RunEvent] = []  # appended since the last clear, not in the file
        self._next_try = 0.0  # while the disk refuses: when to try again
        self._why = ""
        self._move("")

    def append(self, events: list[RunEvent]) -> None:
        data = encode(events)  # ValueError for what is not a run event: nothing changes
        if not self.failed and self._write(data):  # the common case: one write(2)
            return
        self._unsaved += events
        self.failed = True
        if time.monotonic() < self._next_try:  # tried a moment ago: they wait in memory
            return
        self._next_try = time.monotonic() + RETRY_S
        if len(self._unsaved) > len(events) and self._write(encode(self._unsaved)):
            self._saved()  # room again, in order after what the file holds
            return
        self._move(self._why)
        if self.failed and not self._warned:
            self._warned = True
            why = self._why
            log.warning("run records are kept in memory only (journal %s: %s)", self.path, why)

    @property
    def size(self) -> int:
        return self._size

    def rewrite(self, uncommitted: list[RunEvent]) -> None:
        """Everything but `uncommitted` is committed: keep only those (a journal under steady
        load, never empty between two batches, does not grow without end)."""
        self.clear()
        if uncommitted:
            self.append(uncommitted)

    def clear(self) -> None:
        """Everything appended so far is committed."""
        self._saved()
        if self._size and self._fd is not None:
            self._truncate(0)

    def _saved(self) -> None:
        self._unsaved.clear()
        self.failed = False
        self._next_try = 0.0

    def close(self, keep: bool) -> None:
        """`keep`: the writes in it were not committed; it stays for the next process."""
        if self._fd is not None and not keep:
            with contextlib.suppress(OSError):
                self.path.unlink()
        self._close_fd()

    def _write(self, data: bytes) -> bool:
        if self._fd is None:
            self._why = "no journal could be made"
            return False
        try:
            written = os.write(self._fd, data)
        except OSError as exc:
            self._why = exc.strerror or str(exc)
            return False
        if written != len(data):  # a full disk cut the line: take it back
            self._truncate(self._size)
            self._why = "the disk is full"
            return False
        self._size += written
        return True

    def _move(self, why: str) -> None:
        """Go on in a new journal in the first other folder that takes everything appended
        since the last clear; the old one goes (its lines are in the new one)."""
        old = self._read_back()
        data = (old or b"") + encode(self._unsaved)
        for folder in self._folders:
            if self._fd is not None and folder == self.path.parent:
                continue
            path = folder / _new_name()
            fd = _open_new(path, private=folder == self._folders[1])
            if fd is None:
                continue
            if data and not _write_all(fd, data, path):
                continue
            if self._fd is not None and old is not None:
                with contextlib.suppress(OSError):
                    self.path.unlink()  # possible on a full disk too
            if why or folder != self._folders[0]:
                log.warning("run records go to the journal %s (%s)", path, why or "fallback")
            self._close_fd()
            self._fd, self.path, self._size = fd, path, len(data)
            self._saved()
            return

    def _read_back(self) -> bytes | None:
        """The lines written since the last clear; None when they cannot be read."""
        if self._fd is None or not self._size:
            return b""
        try:
            data = os.pread(self._fd, self._size, 0)
        except OSError:
            return None
        return data if len(data) == self._size else None

    def _truncate(self, size: int) -> None:
        assert self._fd is not None
        try:
            os.ftruncate(self._fd, size)
            self._size = size
        except OSError as exc:
            self._why = exc.strerror or str(exc)

    def _close_fd(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


RETRY_S = 1.0  # seconds: how often a journal the disks refuse tries again


def _new_name() -> str:
    return f"journal-{os.getpid()}-{time.time_ns()}.jsonl"


def _open_new(path: Path, private: bool) -> int | None:
    """A new journal, flocked before it has its name (so nobody claims it as a dead
    writer's in between); None when the folder refuses it."""
    if private and not fallback_dirs.private_dir(path.parent):
        return None
    opening = path.with_name(path.name + ".opening")
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC | os.O_NOFOLLOW
    try:
        fd = os.open(opening, flags, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.rename(opening, path)
    except OSError:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(opening)
        return None
    return fd


def _write_all(fd: int, data: bytes, path: Path) -> bool:
    """`data` in the new journal at `fd`, or the journal closed and gone."""
    try:
        if os.write(fd, data) == len(data):
            return True
    except OSError:
        pass
    os.close(fd)
    with contextlib.suppress(OSError):
        path.unlink()
    return False


def fallback_dir(spool_dir: Path) -> Path:
    """The spool's stand-in when the data dir's disk is full."""
    return fallback_dirs.fallback_dir(Path(spool_dir).parent, "spool")


def spool(spool_dir: Path, ops: list[RunEvent]) -> bool:
    """Keep writes the store refused for the next process, in the data dir's spool or, when
    its disk refuses them too, in the fallback; False when both refused."""
    if not ops:
        return True
    data = encode(ops)
    return any(_write_new(folder, data) for folder in (Path(spool_dir), fallback_dir(spool_dir)))


def _write_new(folder: Path, data: bytes) -> bool:
    if not fallback_dirs.private_dir(folder):
        return False
    path = folder / f"{os.getpid()}-{time.time_ns()}.jsonl"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except OSError:
        return False
    try:
        ok = os.write(fd, data) == len(data)
    except OSError:
        ok = False
    finally:
        os.close(fd)
    if not ok:
        with contextlib.suppress(OSError):
            path.unlink()
    return ok
