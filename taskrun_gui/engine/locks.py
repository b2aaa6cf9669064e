"""File locks (flock) that hold across processes: the one executor host of a data dir, and the
per-task run slots. The kernel drops a flock when its holder dies, so a crash never leaves a
stale lock behind."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def write_owner(self, text: str) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, text.encode(), 0)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> FileLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def host_lock(locks_dir: Path) -> FileLock:
    return FileLock(locks_dir / "host.lock")


def host_alive(locks_dir: Path) -> bool:
    """True when some process holds the host lock of this data dir."""
    probe = host_lock(locks_dir)
    if probe.try_acquire():
        probe.release()
        return False
    return True


def host_pid(locks_dir: Path) -> int | None:
    try:
        return int((locks_dir / "host.lock").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def acquire_task_slot(locks_dir: Path, task_id: int, max_concurrent: int) -> FileLock | None:
    """One of the task's `max_concurrent` slots, or None when all are taken by any process."""
    for slot in range(max(1, max_concurrent)):
        lock = FileLock(locks_dir / f"task-{task_id}.{slot}.lock")
        if lock.try_acquire():
            return lock
    return None
