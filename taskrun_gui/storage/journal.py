"""Run writes kept on disk until the database has them: the writer's journal and the spool.

Every run event a writer accepts is appended to its journal (one JSON line, one write(2),
no fsync: what a killed process wrote is in the page cache and survives it) before anyone can
act on it, and the journal is emptied whenever everything is committed. The writer holds an
flock on its journal, so nobody replays a live writer's file; a writer that dies (or closes
with writes the store refused) leaves its journal in the spool folder, and the next process
that opens the store replays it before it marks any run interrupted. Replaying is idempotent:
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
    """The journal of one writer: appended under the writer's lock, in submission order."""

    def __init__(self, spool_dir: Path) -> None:
        name = f"journal-{os.getpid()}-{time.time_ns()}.jsonl"
        self.path = spool_dir / name
        self.failed = False  # the disk refused a write: those writes live in memory only
        self._warned = False
        self._size = 0
        self._fd: int | None = None
        fallback = fallback_dir(spool_dir)
        for path in (self.path, fallback / name):
            if path.parent == fallback and not fallback_dirs.private_dir(fallback):
                break
            try:
                self._fd = os.open(
                    path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600
                )
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                self._close_fd()
                self._refused(exc)
                continue
            self.path, self.failed = path, False
            break

    def append(self, events: list[RunEvent]) -> None:
        if self._fd is None:
            return
        data = encode(events)
        try:
            written = os.write(self._fd, data)
        except OSError as exc:
            self._refused(exc)
            return
        if written != len(data):  # a full disk cut the line: take it back
            self._truncate(self._size)
            self._refused(None)
            return
        self._size += written

    def clear(self) -> None:
        """Everything written so far is committed."""
        if self._size:
            self._truncate(0)
        self.failed = False

    def close(self, keep: bool) -> None:
        """`keep`: the writes in it were not committed; it stays for the next process."""
        if self._fd is not None and not keep:
            with contextlib.suppress(OSError):
                self.path.unlink()
        self._close_fd()

    def _truncate(self, size: int) -> None:
        assert self._fd is not None
        try:
            os.ftruncate(self._fd, size)
            self._size = size
        except OSError as exc:
            self._refused(exc)

    def _refused(self, exc: OSError | None) -> None:
        if not self.failed and not self._warned:
            self._warned = True
            why = exc.strerror if exc is not None else "the disk is full"
            log.warning("run records are kept in memory only (journal %s: %s)", self.path, why)
        self.failed = True

    def _close_fd(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def fallback_dir(spool_dir: Path) -> Path:
    """The spool's stand-in when the data dir's disk is full."""
    return fallback_dirs.fallback_dir(Path(spool_dir).parent, "spool")


def claim(spool_dir: Path) -> list[RunEvent]:
    """Take the journals and spool files no live process holds, oldest first (the data
    dir's spool and its fallback)."""
    ops: list[RunEvent] = []
    paths = [*Path(spool_dir).glob("*.jsonl"), *fallback_dir(spool_dir).glob("*.jsonl")]
    for path in sorted(paths, key=_age):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held: its writer is alive
            claimed = path.with_suffix(f".claimed-{os.getpid()}")
            os.rename(path, claimed)  # only one process replays a file
            data = b""
            while chunk := os.read(fd, 1 << 20):
                data += chunk
            ops += decode(data, str(path))
            os.unlink(claimed)
        except OSError:
            continue
        finally:
            os.close(fd)
    return ops


def _age(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


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
