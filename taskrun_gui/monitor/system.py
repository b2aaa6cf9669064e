"""System-wide and per-run resource samples for the Monitor tab, taken with psutil.

Both samplers are stateful on purpose: psutil's CPU percentages, and our I/O rates, are
differences against the previous call, so a sampler must live as long as the tab samples and
be called from one thread at a time.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass

import psutil

from taskrun_gui.core.params import mask_text

# (run uid, task name, main pid) or the same with the run's secret values
RunRef = tuple[str, str, int] | tuple[str, str, int, Sequence[str] | None]

CMDLINE_MAX = 200


@dataclass(frozen=True)
class SystemSnapshot:
    timestamp: float  # epoch seconds
    cpu_total_percent: float
    cpu_per_core: list[float]
    mem_total: int
    mem_used: int
    mem_percent: float
    swap_percent: float
    disk_total: int  # of the filesystem holding the data dir
    disk_used: int
    disk_percent: float
    disk_read_bps: float
    disk_write_bps: float
    net_sent_bps: float
    net_recv_bps: float


@dataclass(frozen=True)
class RunProcRow:
    run_uid: str
    task_name: str
    pid: int
    ppid: int
    depth: int  # 0 for the run's main process
    cmdline: str  # at most CMDLINE_MAX characters
    cpu_percent: float  # may exceed 100 on several cores
    rss: int
    runtime_s: float
    status: str  # psutil status, e.g. "sleeping" or "stopped" (paused)


def _existing_dir(path: str) -> str:
    """The path itself or its nearest existing parent: the data dir may not exist yet."""
    current = os.path.abspath(path)
    while not os.path.exists(current):
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return current


def _rate(now: int, before: int | None, seconds: float) -> float:
    """Bytes per second; 0 on the first sample and when a counter went backwards (reset)."""
    if before is None or seconds <= 0 or now < before:
        return 0.0
    return (now - before) / seconds


class SystemSampler:
    """CPU, memory, disk and network figures of the whole machine, one snapshot per call."""

    def __init__(self, data_dir: str) -> None:
        self._data_dir = data_dir
        self._last_time: float | None = None
        self._last_disk: tuple[int, int] | None = None
        self._last_net: tuple[int, int] | None = None
        # Prime the non-blocking counters so the first sample measures from construction.
        psutil.cpu_percent(interval=None)
        psutil.cpu_percent(interval=None, percpu=True)

    def sample(self) -> SystemSnapshot:
        now = time.monotonic()
        elapsed = now - self._last_time if self._last_time is not None else 0.0
        cpu_total = psutil.cpu_percent(interval=None)
        per_core = [float(v) for v in psutil.cpu_percent(interval=None, percpu=True)]
        mem = psutil.virtual_memory()
        swap_percent = 0.0
        with contextlib.suppress(OSError, RuntimeError):  # no swap info in some containers
            swap_percent = float(psutil.swap_memory().percent)
        try:
            usage = psutil.disk_usage(_existing_dir(self._data_dir))
            disk = (int(usage.total), int(usage.used), float(usage.percent))
        except OSError:
            disk = (0, 0, 0.0)
        disk_io = self._disk_counters()
        net_io = self._net_counters()
        last_read, last_write = self._last_disk or (None, None)
        last_sent, last_recv = self._last_net or (None, None)
        snapshot = SystemSnapshot(
            timestamp=time.time(),
            cpu_total_percent=float(cpu_total),
            cpu_per_core=per_core,
            mem_total=int(mem.total),
            mem_used=int(mem.total - mem.available),  # what the user can no longer get
            mem_percent=float(mem.percent),
            swap_percent=swap_percent,
            disk_total=disk[0],
            disk_used=disk[1],
            disk_percent=disk[2],
            disk_read_bps=_rate(disk_io[0], last_read, elapsed),
            disk_write_bps=_rate(disk_io[1], last_write, elapsed),
            net_sent_bps=_rate(net_io[0], last_sent, elapsed),
            net_recv_bps=_rate(net_io[1], last_recv, elapsed),
        )
        self._last_time = now
        self._last_disk = disk_io
        self._last_net = net_io
        return snapshot

    @staticmethod
    def _disk_counters() -> tuple[int, int]:
        with contextlib.suppress(OSError, RuntimeError):
            io = psutil.disk_io_counters()
            if io is not None:  # None when the system has no disks psutil can read
                return int(io.read_bytes), int(io.write_bytes)
        return 0, 0

    @staticmethod
    def _net_counters() -> tuple[int, int]:
        with contextlib.suppress(OSError, RuntimeError):
            io = psutil.net_io_counters()
            if io is not None:
                return int(io.bytes_sent), int(io.bytes_recv)
        return 0, 0


class RunProcessSampler:
    """Rows for every process of the running runs.

    psutil.Process objects are kept from one sample to the next, because a process's
    cpu_percent(None) is measured since the previous call on the same object; a new object
    would always report 0. Processes that are gone, or whose pid was reused, are dropped.
    """

    def __init__(self) -> None:
        self._procs: dict[int, psutil.Process] = {}

    def sample(self, runs: Sequence[RunRef]) -> list[RunProcRow]:
        """`runs`: (uid, task name, main pid[, the run's secret values: masked wherever its
        processes' command lines hold them, as an argv placeholder puts them there])."""
        rows: list[RunProcRow] = []
        seen: dict[int, psutil.Process] = {}
        now = time.time()
        for run in runs:
            run_uid, task_name, main_pid = run[:3]
            # None: its secrets are not known (the store did not say): no arguments shown
            secrets = (list(run[3]) if run[3] is not None else None) if len(run) > 3 else []
            tree = self._tree(main_pid)
            for proc, depth in tree:
                row = self._row(proc, run_uid, task_name, depth, now, secrets)
                if row is not None:
                    rows.append(row)
                    seen[proc.pid] = proc
        self._procs = seen
        return rows

    def _kept(self, proc: psutil.Process) -> psutil.Process:
        """The object kept for proc's pid when it is still that process (pid not reused)."""
        kept = self._procs.get(proc.pid)
        if kept is not None and kept.is_running():
            return kept
        return proc

    def _tree(self, main_pid: int) -> list[tuple[psutil.Process, int]]:
        """The main process and its descendants in depth-first order, with their depth."""
        try:
            root = self._kept(psutil.Process(main_pid))
            children = root.children(recursive=True)
        except (psutil.Error, ValueError):
            return []
        by_parent: dict[int, list[psutil.Process]] = {}
        known = {main_pid} | {c.pid for c in children}
        for child in children:
            try:
                ppid = child.ppid()
            except psutil.Error:
                continue
            # A parent that exited between the two calls: hang the orphan under the root.
            by_parent.setdefault(ppid if ppid in known else main_pid, []).append(child)
        ordered: list[tuple[psutil.Process, int]] = []
        stack: list[tuple[psutil.Process, int]] = [(root, 0)]
        while stack:
            proc, depth = stack.pop()
            ordered.append((proc, depth))
            kids = sorted(by_parent.get(proc.pid, []), key=lambda p: p.pid, reverse=True)
            stack.extend((self._kept(kid), depth + 1) for kid in kids)
        return ordered

    @staticmethod
    def _row(
        proc: psutil.Process,
        run_uid: str,
        task_name: str,
        depth: int,
        now: float,
        secrets: list[str] | None,
    ) -> RunProcRow | None:
        try:
            with proc.oneshot():
                status = proc.status()
                if status == psutil.STATUS_ZOMBIE:
                    return None
                try:
                    # One line for a table cell: `-c` scripts often carry newlines.
                    argv = proc.cmdline() if secrets is not None else []
                    argv = [mask_text(item, secrets or []) for item in argv]
                    cmdline = " ".join(" ".join(argv).split()) or proc.name()
                except psutil.AccessDenied:
                    cmdline = proc.name()
                if len(cmdline) > CMDLINE_MAX:
                    cmdline = cmdline[: CMDLINE_MAX - 1] + "…"
                return RunProcRow(
                    run_uid=run_uid,
                    task_name=task_name,
                    pid=proc.pid,
                    ppid=proc.ppid(),
                    depth=depth,
                    cmdline=cmdline,
                    cpu_percent=float(proc.cpu_percent(None)),
                    rss=int(proc.memory_info().rss),
                    runtime_s=max(0.0, now - proc.create_time()),
                    status=str(status),
                )
        except psutil.Error:
            return None
