"""Run writes kept on disk until the database has them: the writer's journal and the spool.

Every run operation a writer accepts is appended to its journal (one JSON line, one write(2),
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
import hashlib
import json
import logging
import os
import stat
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class WriteOp:
    kind: str  # one of run_writes.OPS
    uid: str
    fields: dict[str, Any] = field(default_factory=dict)


def encode(ops: Iterable[WriteOp]) -> bytes:
    return b"".join(json.dumps(asdict(op)).encode() + b"\n" for op in ops)


def decode(data: bytes, source: str) -> list[WriteOp]:
    """The operations in a journal; a line cut short by a full disk or a crash is skipped."""
    ops = []
    for line in data.splitlines():
        if not line.strip():
            continue
        try:
            ops.append(WriteOp(**json.loads(line)))
        except (ValueError, TypeError):
            log.warning("skipping a damaged line in %s", source)
    return ops


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
            if path.parent == fallback and not _private_dir(fallback):
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

    def append(self, ops: list[WriteOp]) -> None:
        if self._fd is None:
            return
        data = encode(ops)
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
    """Where writes go when the data dir's own disk refuses them: a folder of this user's in
    the temporary directory (usually another file system), one per data dir."""
    digest = hashlib.sha256(str(Path(spool_dir).resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"taskrun-{os.getuid()}" / f"spool-{digest}"


def claim(spool_dir: Path) -> list[WriteOp]:
    """Take the journals and spool files no live process holds, oldest first (the data
    dir's spool and its fallback)."""
    ops: list[WriteOp] = []
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


def spool(spool_dir: Path, ops: list[WriteOp]) -> bool:
    """Keep writes the store refused for the next process, in the data dir's spool or, when
    its disk refuses them too, in the fallback; False when both refused."""
    if not ops:
        return True
    data = encode(ops)
    return any(_write_new(folder, data) for folder in (Path(spool_dir), fallback_dir(spool_dir)))


def _private_dir(folder: Path) -> bool:
    """Make `folder` (and its parent) as folders only this user can enter; False when one is
    someone else's or a link (the temporary directory is shared)."""
    try:
        for part in (folder.parent, folder):
            with contextlib.suppress(FileExistsError):
                os.mkdir(part, 0o700)
            st = os.lstat(part)
            if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
                return False
            if stat.S_IMODE(st.st_mode) != 0o700:
                os.chmod(part, 0o700)
    except OSError:
        return False
    return True


def _write_new(folder: Path, data: bytes) -> bool:
    if not _private_dir(folder):
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
