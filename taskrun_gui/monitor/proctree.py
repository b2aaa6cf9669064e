"""Process trees of runs: snapshot, resource usage, and stopping or pausing a whole tree.

A run's processes are found three ways here, because each alone misses some: the process
group the run was started in, the descendants of its main process, and (on Linux) any process
whose environment carries the run's marker variable, which survives a double fork and a new
session. A process that also clears its environment is found by engine/lineage.py, from the
/proc readings below (parent, session, group, the pipes a process writes to); the host is a
child subreaper so that such orphans stay its descendants.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass

import psutil

RUN_MARKER_VAR = "TASKRUN_RUN_UID"


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@functools.cache
def _boot_time() -> float:
    return float(psutil.boot_time())


def _read_proc(path: str, size: int = 1 << 16) -> bytes:
    """A small /proc file in one read, without a Python file object (thousands of runs)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return os.read(fd, size)
    finally:
        os.close(fd)


def create_time(pid: int) -> float | None:
    """A process's start time as psutil reports it, read straight from /proc/PID/stat on
    Linux (a tenth of the cost of psutil.Process, which matters at thousands of runs)."""
    if sys.platform.startswith("linux"):
        st = read_stat(pid)
        return None if st is None else st.create_time
    try:
        return float(psutil.Process(pid).create_time())
    except psutil.Error:
        return None


_PF_FORKNOEXEC = 0x40


@dataclass(frozen=True, slots=True)
class ProcStat:
    """A process's place in the tree, from one read of /proc/PID/stat."""

    pid: int
    ppid: int
    pgrp: int
    sid: int
    zombie: bool
    create_time: float
    exec_pending: bool = False  # forked and not exec'd since (PF_FORKNOEXEC)


def read_stat(pid: int) -> ProcStat | None:
    """None when the process is gone (or this is not Linux)."""
    try:
        raw = _read_proc(f"/proc/{pid}/stat", 4096)
        f = raw[raw.rindex(b")") + 2 :].split()
        created = int(f[19]) / _CLOCK_TICKS + _boot_time()
        pending = bool(int(f[6]) & _PF_FORKNOEXEC)
        return ProcStat(pid, int(f[1]), int(f[2]), int(f[3]), f[0] == b"Z", created, pending)
    except (OSError, ValueError, IndexError):
        return None


def proc_table() -> dict[int, ProcStat]:
    """Every process (not thread) on the system: one /proc pass, as psutil's children() does."""
    table = {}
    for entry in os.listdir("/proc") if sys.platform.startswith("linux") else ():
        if entry.isdigit() and (st := read_stat(int(entry))) is not None:
            table[st.pid] = st
    return table


_last_pid_fd: int | None = None


def last_pid() -> int:
    """The pid the kernel handed out last in this pid namespace; -1 when unknown. Read with
    pread on a descriptor kept open: a third of open-read-close, and it is read at the end of
    every run."""
    global _last_pid_fd
    try:
        if _last_pid_fd is None:
            _last_pid_fd = os.open("/proc/sys/kernel/ns_last_pid", os.O_RDONLY | os.O_CLOEXEC)
        return int(os.pread(_last_pid_fd, 64, 0))
    except (OSError, ValueError):
        return -1


def pipes_written(pid: int, inodes: set[int]) -> set[int]:
    """Which of the pipes `inodes` the process holds the write end of (its /proc/PID/fd links
    `pipe:[N]`, and the access mode in fdinfo: every child of the host holds the read end of
    each run's pipe between its fork and its exec)."""
    found: set[int] = set()
    base = f"/proc/{pid}"
    try:
        fds = os.listdir(f"{base}/fd")
    except OSError:
        return found
    for fd in fds:
        with contextlib.suppress(OSError, ValueError, IndexError):
            link = os.readlink(f"{base}/fd/{fd}")
            if not link.startswith("pipe:[") or int(link[6:-1]) not in inodes:
                continue
            info = _read_proc(f"{base}/fdinfo/{fd}", 4096)
            flags = int(info.split(b"flags:", 1)[1].split()[0], 8)
            if flags & os.O_ACCMODE in (os.O_WRONLY, os.O_RDWR):
                found.add(int(link[6:-1]))
    return found


def marker_of(pid: int) -> str | None:
    """The run marker in the process's environment, if it has one (and we may read it)."""
    try:
        env = b"\0" + _read_environ(pid)  # ends with a NUL: every item is framed by two
    except OSError:
        return None
    key = f"\0{RUN_MARKER_VAR}=".encode()
    at = env.find(key)
    if at < 0:
        return None
    start = at + len(key)
    return env[start : env.index(b"\0", start)].decode(errors="replace")


def is_thread_leader(pid: int) -> bool:
    """False for the id of a thread that is not its process's first one."""
    try:
        return _is_process(pid)
    except OSError:
        return False


_PR_SET_CHILD_SUBREAPER = 36


def become_child_subreaper() -> bool:
    """Make this process the reaper of orphans among its descendants (Linux 3.4+), so a
    process that leaves its parent (double fork, setsid) stays where it can be found."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def reap(pid: int) -> bool:
    """Collect one child of ours that has exited; True when it is gone."""
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:
        return True


def create_time_of_spawn(pid: int, before: float, after: float) -> float | None:
    """The create time of a child spawned between two CLOCK_BOOTTIME readings, as psutil
    would report it (boot time + start ticks), without reading /proc when the readings are
    close: the kernel stamps the child in between, and identity checks allow 50 ms."""
    if sys.platform.startswith("linux") and after - before < 0.01:
        return _boot_time() + int((before + after) / 2 * _CLOCK_TICKS) / _CLOCK_TICKS
    return create_time(pid)


def boot_clock() -> float:
    """Seconds since boot (CLOCK_BOOTTIME where there is one): what start times count in."""
    return time.clock_gettime(getattr(time, "CLOCK_BOOTTIME", time.CLOCK_MONOTONIC))


def is_same_process(pid: int, create_time: float | None) -> bool:
    """True when `pid` is still the process that was started at `create_time` (not a reuse)."""
    try:
        proc = psutil.Process(pid)
        return create_time is None or abs(proc.create_time() - create_time) < 0.05
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return False


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return list(psutil.Process(pid).children(recursive=True))
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return []


PROBE_LIMIT = 512  # pids started since a run's own: probe each; more than this: list /proc


def _pids_since(pid: int | None) -> Iterable[int]:
    """The pids a process started after `pid` can have: those allocated since, probed one by
    one when they are few (usually none or one, at thousands of runs), else all of /proc."""
    if pid is not None:
        last = last_pid()
        if pid <= last <= pid + PROBE_LIMIT:  # not wrapped since, and not many
            return range(pid + 1, last + 1)
    return (int(e) for e in os.listdir("/proc") if e.isdigit())


def marked_processes(run_uid: str, started_after: int | None = None) -> list[psutil.Process]:
    """Processes whose environment says they belong to this run (Linux /proc only).
    `started_after`: the run's main pid; only processes started after it can be the run's."""
    if not sys.platform.startswith("linux"):
        return []
    needle = f"{RUN_MARKER_VAR}={run_uid}\0".encode()
    me = os.getpid()
    found: list[psutil.Process] = []
    for pid in _pids_since(started_after):
        if pid == me:
            continue
        try:
            if needle in _read_environ(pid) and _is_process(pid):
                found.append(psutil.Process(pid))
        except (OSError, psutil.Error):
            continue
    return found


def _is_process(pid: int) -> bool:
    """Not a thread of another process (probed pids can be thread ids)."""
    status = _read_proc(f"/proc/{pid}/status", 4096)
    return f"\nTgid:\t{pid}\n".encode() in status


def _read_environ(pid: int) -> bytes:
    fd = os.open(f"/proc/{pid}/environ", os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks) + b"\0"
    finally:
        os.close(fd)


def _alive(procs: Iterable[psutil.Process]) -> list[psutil.Process]:
    alive = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p)
        except psutil.Error:
            continue
    return alive


def signal_group(pgid: int | None, sig: int) -> bool:
    """Signal a process group; False when the group no longer exists."""
    if not pgid or pgid <= 1:
        return False
    try:
        os.killpg(pgid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def run_processes(pid: int | None, pgid: int | None, run_uid: str | None) -> list[psutil.Process]:
    """Every live process of a run, found by tree, group membership and marker."""
    procs: dict[int, psutil.Process] = {}
    if pid:
        with contextlib.suppress(psutil.Error):
            procs[pid] = psutil.Process(pid)
        for child in descendants(pid):
            procs[child.pid] = child
    if run_uid:
        for p in marked_processes(run_uid):
            procs.setdefault(p.pid, p)
    procs.pop(os.getpid(), None)
    del pgid  # group members are reached with killpg; listing them needs a full scan
    return _alive(procs.values())


def stop_tree(
    pid: int | None,
    pgid: int | None,
    run_uid: str | None,
    grace: float = 3.0,
    extra: Iterable[psutil.Process] = (),
) -> list[psutil.Process]:
    """SIGTERM the group and every process of the run, wait `grace`, then SIGKILL survivors,
    and what was started meanwhile (a TERM trap's clean-up job, in a session of its own),
    listed again until a look finds none alive. Returns the processes it listed (what was
    signalled besides the group)."""
    procs = {p.pid: p for p in run_processes(pid, pgid, run_uid)}
    for p in _alive(extra):
        procs.setdefault(p.pid, p)
    signal_group(pgid, signal.SIGTERM)
    for p in procs.values():
        with contextlib.suppress(psutil.Error):
            p.send_signal(signal.SIGCONT)  # a paused process cannot act on SIGTERM
            p.terminate()
    signal_group(pgid, signal.SIGCONT)
    # members of the group we did not list got SIGTERM at the same moment and the same grace
    alive = wait_gone(list(procs.values()), grace)
    killed: set[psutil.Process] = set()  # by pid and create time: a reused pid is another
    for round_ in range(KILL_ROUNDS):
        alive += _started_since(procs, pid, run_uid, alive)  # before the parents die
        if round_ == 0:  # the group once: once its members are gone, its id may be reused
            signal_group(pgid, signal.SIGKILL)
        for p in alive:
            with contextlib.suppress(psutil.Error):
                p.kill()
        killed.update(alive)
        wait_gone(alive, 1.0)
        alive = _started_since(procs, pid, run_uid, [])
        if not alive or killed.issuperset(alive):  # none new: what is left cannot be killed
            break
    return list(procs.values())


KILL_ROUNDS = 5  # SIGKILL can not be caught: a round only finds what forked just before it


def _started_since(
    procs: dict[int, psutil.Process],
    pid: int | None,
    run_uid: str | None,
    known: list[psutil.Process],
) -> list[psutil.Process]:
    """Live processes of the run not in `known`: by marker (started after the run's main
    process), and as children of those listed before, each checked by its create time (a
    child that cleared its marker and left the session); added to `procs`. Never by the
    main pid itself: reaped, it may be another process's now."""
    found = {p.pid: p for p in (marked_processes(run_uid, started_after=pid) if run_uid else [])}
    for p in _alive(list(procs.values())):
        with contextlib.suppress(psutil.Error):
            for child in p.children(recursive=True):
                found.setdefault(child.pid, child)
    found.pop(os.getpid(), None)
    skip = {p.pid for p in known}
    new = [p for p in _alive(list(found.values())) if p.pid not in skip]
    for p in new:
        procs.setdefault(p.pid, p)
    return new


def wait_gone(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait until the processes have ended; a zombie counts as ended (its parent may not be
    us, and may never reap it). Returns those still alive."""
    deadline = time.monotonic() + timeout
    alive = _alive(procs)
    while alive and time.monotonic() < deadline:
        time.sleep(0.01)
        alive = _alive(alive)
    return alive


def suspend_tree(
    pid: int | None, pgid: int | None, run_uid: str | None, extra: Iterable[psutil.Process] = ()
) -> None:
    signal_group(pgid, signal.SIGSTOP)
    for p in [*run_processes(pid, pgid, run_uid), *extra]:
        with contextlib.suppress(psutil.Error):
            p.suspend()


def resume_tree(
    pid: int | None, pgid: int | None, run_uid: str | None, extra: Iterable[psutil.Process] = ()
) -> None:
    for p in [*run_processes(pid, pgid, run_uid), *extra]:
        with contextlib.suppress(psutil.Error):
            p.resume()
    signal_group(pgid, signal.SIGCONT)


def tree_usage(procs: Iterable[psutil.Process]) -> tuple[int, float]:
    """Summed RSS (bytes) and CPU seconds (user + system) of the given processes."""
    rss = 0
    cpu = 0.0
    for p in procs:
        try:
            with p.oneshot():
                rss += p.memory_info().rss
                t = p.cpu_times()
                cpu += t.user + t.system
        except psutil.Error:
            continue
    return rss, cpu
