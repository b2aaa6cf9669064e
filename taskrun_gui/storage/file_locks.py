"""File locks (flock) that hold across processes: the one executor host of a data dir, and the
per-task run slots. The kernel drops a flock when its holder dies, so a crash never leaves a
stale lock behind.

They hold among the processes of one machine, which is what an SQLite history is shared by:
the SQLite backend hands out these task slots (backend.Backend.task_slots); the host lock is
the data dir's own, whatever the database."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path


class FileLock:
    def __init__(self, path: Path, keep_open: bool = False) -> None:
        """`keep_open`: release unlocks but keeps the file open for the next acquire (the
        task slots of a host, taken and released thousands of times)."""
        self.path = path
        self.keep_open = keep_open
        self._fd: int | None = None
        self._locked = False

    @property
    def held(self) -> bool:
        return self._locked

    def try_acquire(self) -> bool:
        if self._locked:
            return True
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            if not self.keep_open:
                os.close(self._fd)
                self._fd = None
            return False
        self._locked = True
        return True

    def write_owner(self, text: str) -> None:
        """Say who holds the lock (for messages only: a full disk may refuse it)."""
        if self._fd is not None and self._locked:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
                os.pwrite(self._fd, text.encode(), 0)

    def release(self) -> None:
        if self._fd is None:
            return
        if self._locked:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            self._locked = False
        if not self.keep_open:
            os.close(self._fd)
            self._fd = None

    def close(self) -> None:
        self.keep_open = False
        self.release()

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


class TaskSlots:
    """The task slots of one process. Each task has `max_concurrent` lock files; holding one
    (flock) is holding a slot, in whichever process. The files stay open, so taking a slot
    is one flock call, and a slot this process holds is skipped without a system call."""

    def __init__(self, locks_dir: Path) -> None:
        self.locks_dir = locks_dir
        self._locks: dict[tuple[int, str | None, int], FileLock] = {}

    def acquire(self, task_id: int, max_concurrent: int) -> FileLock | None:
        """A free slot of the task, or None when all are taken (here or elsewhere)."""
        return self.take(task_id, None, max_concurrent)

    def acquire_on(self, host: str, task_id: int, max_concurrent: int) -> FileLock | None:
        """A free slot of the task on another machine: `max_concurrent` holds per target,
        so a batch on ten hosts is not one run at a time."""
        return self.take(task_id, host, max_concurrent)

    def take(self, task_id: int, host: str | None, max_concurrent: int) -> FileLock | None:
        name = f"task-{task_id}" if host is None else f"task-{task_id}@{host}"
        for slot in range(max(1, max_concurrent)):
            lock = self._locks.get((task_id, host, slot))
            if lock is None:
                path = self.locks_dir / f"{name}.{slot}.lock"
                lock = self._locks[(task_id, host, slot)] = FileLock(path, keep_open=True)
            if not lock.held and lock.try_acquire():
                return lock
        return None

    def holding(self, task_id: int, host: str | None) -> int:
        """How many of the task's slots (on `host`) this process holds."""
        return sum(
            1 for (t, h, _), lock in self._locks.items() if t == task_id and h == host and lock.held
        )

    def holding_total(self) -> int:
        """How many slots of any task this process holds."""
        return sum(1 for lock in self._locks.values() if lock.held)

    def close(self) -> None:
        for lock in self._locks.values():
            lock.close()
        self._locks.clear()
