"""Runs one process to its end: streams its output, enforces the timeout, carries out cancel,
pause and resume on the whole tree, samples its memory and CPU, and leaves nothing behind."""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from taskrun_gui.core.models import ErrorType, RunStatus
from taskrun_gui.engine import lineage, spawn
from taskrun_gui.engine.claims import RunLineage
from taskrun_gui.engine.kill_grace import kill_grace as kill_grace  # the runners' import
from taskrun_gui.engine.lineage import REGISTRY
from taskrun_gui.engine.logsink import LogSink
from taskrun_gui.engine.process_outcome import ProcessOutcome as ProcessOutcome  # runner's
from taskrun_gui.engine.process_outcome import classify_spawn_error
from taskrun_gui.engine.run_control import RunControl as RunControl  # the runner's import
from taskrun_gui.engine.run_control import Spawned as Spawned
from taskrun_gui.engine.run_pids import RunPidsFile
from taskrun_gui.monitor import proctree

SAMPLE_EVERY = 0.5
FIRST_SAMPLE = 0.1
READ_SIZE = 1 << 20
FIRST_READ_SIZE = 1 << 16  # most runs print little: no 1 MiB buffer for `true`
PIPE_SIZE = 1 << 20


_BUFFERS = threading.local()  # a worker thread runs one process at a time


def _thread_buffer() -> bytearray:
    """This thread's read buffer (a run's output passes through it and is copied out)."""
    buffer: bytearray | None = getattr(_BUFFERS, "buffer", None)
    if buffer is None:
        buffer = _BUFFERS.buffer = bytearray(FIRST_READ_SIZE)
    return buffer


def run_process(
    argv: list[str],
    env: dict[bytes, bytes],
    cwd: str | None,
    sink: LogSink,
    control: RunControl,
    run_uid: str,
    timeout: float | None = None,
    on_spawned: Callable[[Spawned], Callable[[], None] | None] | None = None,
    on_paused: Callable[[bool], None] | None = None,
    track_file: Path | None = None,
) -> ProcessOutcome:
    """Run `argv` to its end; nothing it started outlives it (see engine/lineage.py for how
    processes that left its tree, group and environment are found). `track_file`: where to
    keep the identities of the processes it starts, for crash recovery (engine/run_pids.py)."""
    # a working directory that is not there: the child's chdir fails, classify_spawn_error
    # says so (no look before each start)
    lineage.ensure_subreaper()  # once per process: orphans of runs come to us, not init
    REGISTRY.spawning(+1)
    before = proctree.boot_clock()
    read_fd, write_fd = os.pipe2(os.O_CLOEXEC)
    write_fd = spawn.above_std(write_fd)
    try:
        child = spawn.spawn(argv, env, cwd or None, write_fd)
    except BaseException as exc:
        REGISTRY.spawning(-1)
        os.close(read_fd)
        if not isinstance(exc, OSError):
            raise
        return classify_spawn_error(exc, argv, cwd)
    finally:
        with contextlib.suppress(OSError):
            os.close(write_fd)  # the child's copy is its stdout and stderr
    created = proctree.create_time_of_spawn(child.pid, before, proctree.boot_clock())
    pids_file = None if track_file is None else RunPidsFile(track_file)
    run = RunLineage(run_uid, child.pid, created or time.time(), _inode(read_fd), pids_file)
    sup = _Supervisor(child, read_fd, sink, control, run, timeout, on_spawned, on_paused)
    return sup.run(created)


def _inode(fd: int) -> int | None:
    """What identifies the run's output pipe in /proc/PID/fd of whoever holds it."""
    try:
        return os.fstat(fd).st_ino
    except OSError:
        return None


@dataclass
class _PumpState:
    """The supervising loop's clock and where the output stands."""

    start: float
    paused_total: float = 0.0
    paused_since: float = 0.0
    next_sample: float = field(init=False)
    eof: bool = False
    exit_seen_at: float | None = None

    def __post_init__(self) -> None:
        self.next_sample = self.start + FIRST_SAMPLE


class _Supervisor:
    def __init__(
        self,
        child: spawn.Child,
        out_fd: int,
        sink: LogSink,
        control: RunControl,
        run: RunLineage,
        timeout: float | None,
        on_spawned: Callable[[Spawned], Callable[[], None] | None] | None,
        on_paused: Callable[[bool], None] | None,
    ) -> None:
        self.child = child
        self.out_fd = out_fd  # the read end of the output pipe; closed by _supervise
        self.sink = sink
        self.control = control
        self.lineage = run
        self.run_uid = run.uid
        self.timeout = timeout
        self.on_spawned = on_spawned
        self.on_paused = on_paused
        self.pid = child.pid
        self.pgid = child.pid  # start_new_session: the child leads its own group
        self.known: dict[int, psutil.Process] = {}
        self.peak_rss = 0
        self.cpu_seconds = 0.0
        self.stopped_as: RunStatus | None = None
        self.paused = False
        self.returncode: int | None = None
        self.before_reap: Callable[[], None] | None = None
        self.buffer = _thread_buffer()  # grows to READ_SIZE for a chatty task
        self.view = memoryview(self.buffer)
        self.pipe_grown = False
        self.rusage_cpu = 0.0
        self.pipe_hunted = False

    def run(self, create_time: float | None) -> ProcessOutcome:
        REGISTRY.start(self.lineage)
        try:
            return self._supervise(create_time)
        finally:
            REGISTRY.finish(self.lineage)

    def _supervise(self, create_time: float | None) -> ProcessOutcome:
        if self.on_spawned is not None:
            # the hook may hand back a wait (for the `running` record) to do before reaping:
            # the record is durable before the process is waited on, and the wait overlaps
            # the process's own start-up instead of delaying it
            spawned = Spawned(self.pid, self.pgid, create_time)
            self.before_reap = self.on_spawned(spawned)
        try:
            self._pump()
        finally:
            os.close(self.out_fd)
            if self.returncode is None:  # an exception above: never leave the tree behind
                self._stop_tree(grace=0.5)
                self._reap(block=True)
        self._cleanup_leftovers()
        return self._outcome()

    # -- the loop ---------------------------------------------------------------------------
    def _pump(self) -> None:
        """Copy the output to the log and watch the process until it has ended and its
        output pipe is closed (or given up on), acting on controls and the timeout."""
        fd = self.out_fd
        os.set_blocking(fd, False)
        poller = select.poll()  # no epoll descriptor to make and close for each run
        poller.register(fd, select.POLLIN)
        pidfd = None
        with contextlib.suppress(AttributeError, OSError):
            pidfd = os.pidfd_open(self.pid)
            poller.register(pidfd, select.POLLIN)
        st = _PumpState(time.monotonic())
        try:
            while not st.eof or self.returncode is None:
                self._wait_events(poller, fd, pidfd is not None, st)
                now = time.monotonic()
                if self.returncode is not None and not st.eof:
                    self._after_exit(poller, fd, st, now)
                elif self.returncode is None:
                    self._act(st, now)
        finally:
            if pidfd is not None:
                os.close(pidfd)

    def _wait_events(self, poller: select.poll, fd: int, have_pidfd: bool, st: _PumpState) -> None:
        """One wait for output or the process's end (at most 0.1 s, or what the timeout
        leaves), and what arrived handled."""
        wait = 0.1
        if self.timeout is not None and not self.paused:
            left = st.start + st.paused_total + self.timeout - time.monotonic()
            wait = max(0.0, min(wait, left))
        events = poller.poll(wait * 1000)
        if not events:  # a quiet pass: look for processes started since the last
            REGISTRY.probe()
        for ready, _ in events:
            if ready == fd:
                st.eof = self._read(fd)
                if st.eof:
                    poller.unregister(fd)
            elif self._reap(block=False):
                poller.unregister(ready)
        if not have_pidfd and self.returncode is None:
            self._reap(block=False)  # no pidfd (not Linux): poll

    def _after_exit(self, poller: select.poll, fd: int, st: _PumpState, now: float) -> None:
        """The main process is gone but a descendant still holds the pipe open: after
        0.2 s the tree is stopped (once hunting for whoever holds the pipe), the pipe
        drained; after 2 s it is given up on."""
        st.exit_seen_at = st.exit_seen_at or now
        if now - st.exit_seen_at > 0.2:
            self._stop_tree(grace=0.5, hunt_pipe=not self.pipe_hunted)
            self.pipe_hunted = True
            st.eof = self._read(fd, drain=True) or now - st.exit_seen_at > 2.0
            if st.eof:
                poller.unregister(fd)

    def _act(self, st: _PumpState, now: float) -> None:
        """While the process runs: cancel, pause or resume as asked, stop it at its
        timeout (paused time not counted), sample its tree, let the log sink tick."""
        if self.control.cancelled.is_set():
            self._stop(RunStatus.CANCELLED)
        elif self.control.pause_requested != self.paused:
            self._set_paused(self.control.pause_requested)
            if self.paused:
                st.paused_since = now
            else:
                st.paused_total += now - st.paused_since
        elif (
            self.timeout is not None
            and not self.paused
            and now - st.start - st.paused_total >= self.timeout
        ):
            self._stop(RunStatus.TIMEOUT)
        if now >= st.next_sample:
            self._sample()
            st.next_sample = now + SAMPLE_EVERY
        self.sink.tick()

    def _read(self, fd: int, drain: bool = False) -> bool:
        """Read what is there; True at end of file. Before output is logged, processes
        started since the last look are looked at: whoever wrote it is known by then (and
        in the run's pids file), so a host crash right after cannot lose it."""
        for i in range(64 if not drain else 1 << 20):
            try:
                n = os.readv(fd, [self.buffer])  # one buffer for the thread's runs: no
            except BlockingIOError:  # big allocation (and page faults) per read or run
                return False
            if not n:
                return True
            if not i:
                REGISTRY.probe()
            self.sink.write(self.view[:n])
            if n >= FIRST_READ_SIZE and not self.pipe_grown:  # chatty: fewer, larger reads
                self.pipe_grown = True  # (the thread's buffer may be large already)
                if len(self.buffer) < READ_SIZE:
                    self.buffer = _BUFFERS.buffer = bytearray(READ_SIZE)
                    self.view = memoryview(self.buffer)
                with contextlib.suppress(OSError, AttributeError):  # Linux
                    fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_SIZE)
            elif n < len(self.buffer):
                return False
        return False

    def _reap(self, block: bool) -> bool:
        if self.returncode is not None:
            return True
        if self.before_reap is not None:
            settle, self.before_reap = self.before_reap, None
            settle()
        try:
            pid, status, usage = os.wait4(self.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            popen = self.child.popen
            self.returncode = popen.returncode if popen and popen.returncode is not None else -1
            return True
        if pid == 0:
            return False
        self.returncode = os.waitstatus_to_exitcode(status)
        if self.child.popen is not None:
            self.child.popen.returncode = self.returncode  # so Popen never waits for it again
        # ru_maxrss is not used: it counts the pages of this interpreter the child had before
        # exec, so it would report tens of MB for `true`. Peak memory comes from sampling.
        self.rusage_cpu = usage.ru_utime + usage.ru_stime
        return True

    # -- actions ----------------------------------------------------------------------------
    def _sample(self) -> None:
        procs = REGISTRY.sample(self.lineage) if lineage.ENABLED else []
        procs = procs or proctree.run_processes(self.pid, self.pgid, None)
        for p in procs:
            self.known.setdefault(p.pid, p)
        rss, cpu = proctree.tree_usage(procs)
        self.peak_rss = max(self.peak_rss, rss)
        self.cpu_seconds = max(self.cpu_seconds, cpu)

    def _stop_tree(
        self, grace: float, found: list[psutil.Process] | None = None, hunt_pipe: bool = False
    ) -> None:
        """Stop the tree, the processes claimed for this run alone (`found` when the caller
        has just looked), and the adopted orphans among them are reaped."""
        if found is None:
            found = REGISTRY.leftovers(self.lineage, hunt_pipe)
        extra = [*found, *self.known.values()]
        stopped = proctree.stop_tree(self.pid, self.pgid, self.run_uid, grace, extra)
        REGISTRY.reap_stopped(self.lineage, stopped)

    def _stop(self, as_status: RunStatus) -> None:
        self.stopped_as = as_status
        self._stop_tree(kill_grace())
        self._reap(block=True)

    def _set_paused(self, paused: bool) -> None:
        claimed = REGISTRY.leftovers(self.lineage)
        if paused:
            proctree.suspend_tree(self.pid, self.pgid, self.run_uid, claimed)
        else:
            proctree.resume_tree(self.pid, self.pgid, self.run_uid, claimed)
        self.paused = paused
        if self.on_paused is not None:
            self.on_paused(paused)

    def _cleanup_leftovers(self) -> None:
        """After the main process ended: stop what it left running (background children,
        daemons that left the group, the session or the environment: engine/lineage.py),
        before the run is reported, so no run is final while one of them lives on. Its
        status stays what the main process's exit said: the task's own `exit 0` means
        success, and what it left behind is cleared away as a terminal's closing clears
        its jobs (a task that needs them finished waits for them)."""
        group_left = proctree.signal_group(self.pgid, 0)
        seen_children = any(pid != self.pid for pid in self.known)
        found = REGISTRY.leftovers(self.lineage)
        if not lineage.ENABLED:
            found = proctree.marked_processes(self.run_uid, started_after=self.pid)
        if group_left or seen_children or found or self.stopped_as is not None:
            self._stop_tree(grace=min(1.0, kill_grace()), found=found)

    def _outcome(self) -> ProcessOutcome:
        rc = self.returncode
        out = ProcessOutcome(
            RunStatus.SUCCESS,
            pid=self.pid,
            peak_rss=self.peak_rss,
            cpu_seconds=max(self.cpu_seconds, self.rusage_cpu),
        )
        if self.stopped_as is RunStatus.TIMEOUT:
            out.status, out.error_type = RunStatus.TIMEOUT, ErrorType.TIMEOUT
            out.error_message = f"timed out after {self.timeout:g} s; the process tree was stopped"
        elif self.stopped_as is RunStatus.CANCELLED:
            out.status, out.error_type = RunStatus.CANCELLED, ErrorType.CANCELLED
            out.error_message = "cancelled; the process tree was stopped"
        elif rc is not None and rc < 0:
            out.status, out.error_type, out.signal = RunStatus.FAILED, ErrorType.SIGNAL, -rc
            out.error_message = f"killed by signal {signal.Signals(-rc).name}"
        elif rc:
            out.status, out.error_type = RunStatus.FAILED, ErrorType.EXIT_CODE
            out.error_message = f"exited with code {rc}"
        if self.stopped_as is None or rc is None or rc >= 0:
            out.exit_code = rc
        else:
            out.signal = -rc
        return out
