"""The processes a running run is known to have, one `pid create-time` line each, in a small
file beside the data dir's scripts (`tmp/<run uid>.pids`). It is what crash recovery has
after the host died: by then a run's escaped processes (a new session, a cleared
environment, a double fork) have been reparented to init and nothing else leads to them.

Appending a line is one write(2) on a descriptor kept open for the run: the kernel has the
line the moment the call returns, so a host killed with SIGKILL right after loses nothing
(only a machine crash could, and that ends the processes too). A run that starts no other
process never creates the file."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import psutil

from taskrun_gui.monitor import proctree

SUFFIX = ".pids"


def path_for(tmp_dir: Path, run_uid: str) -> Path:
    """Where a run's file is (runner.execute_run hands run_process the same path)."""
    return tmp_dir / f"{run_uid}{SUFFIX}"


class RunPidsFile:
    """Append-only while the run goes; removed when it ends. Write errors (a full or
    read-only disk) are swallowed: the file is a safety net for crashes, never a reason for
    a run to fail."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines = 0
        self._fd: int | None = None
        self._broken = False

    def add(self, pid: int, create_time: float) -> None:
        if self._broken:
            return
        try:
            if self._fd is None:
                flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC
                self._fd = os.open(self.path, flags, 0o600)
            os.write(self._fd, f"{pid} {create_time!r}\n".encode())
            self.lines += 1
        except OSError:
            self._broken = True

    def rewrite(self, entries: dict[int, float]) -> None:
        """Replace the file with `entries` (a long run that started thousands of processes
        keeps only those still alive or still needed), atomically."""
        if self._fd is None or self._broken:
            return
        tmp = self.path.with_name(self.path.name + ".new")
        try:
            tmp.write_bytes(b"".join(f"{p} {t!r}\n".encode() for p, t in entries.items()))
            os.replace(tmp, self.path)
            os.close(self._fd)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
            self.lines = len(entries)
        except OSError:
            self._broken = True

    def discard(self) -> None:
        """The run has ended and its processes were stopped: nothing to recover."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._fd = None
        with contextlib.suppress(OSError):
            self.path.unlink()


def read(path: Path) -> list[tuple[int, float]]:
    """The identities in a file; a torn last line (the host died mid-write) is skipped."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return []
    out = []
    for line in text.splitlines():
        parts = line.split()
        with contextlib.suppress(ValueError):
            if len(parts) == 2:
                out.append((int(parts[0]), float(parts[1])))
    return out


def still_running(path: Path) -> list[psutil.Process]:
    """The processes of the file that are still the same processes (a recycled pid is never
    returned), with everything they started since (one pass over /proc for all of them)."""
    me = os.getpid()
    roots = [
        pid
        for pid, created in read(path)
        if pid > 1 and pid != me and proctree.is_same_process(pid, created)
    ]
    if not roots:
        return []
    children: dict[int, list[int]] = {}
    for st in proctree.proc_table().values():
        children.setdefault(st.ppid, []).append(st.pid)
    found: dict[int, psutil.Process] = {}
    todo: list[tuple[int, int | None]] = [(pid, None) for pid in roots]
    while todo:
        pid, parent = todo.pop()
        if pid in found or pid == me:
            continue
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(pid)
            if parent is None or proc.ppid() == parent:  # not a pid recycled since the pass
                found[pid] = proc
                todo.extend((child, pid) for child in children.get(pid, ()))
    return list(found.values())
