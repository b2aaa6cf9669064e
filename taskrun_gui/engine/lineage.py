"""Which run each process of this host belongs to, also after it left the run's tree, its
process group and its environment (setsid with a cleared environment, a double fork).

The host is a child subreaper (prctl PR_SET_CHILD_SUBREAPER, set once, before its first
run): an orphan from any run's tree is reparented to the host instead of init, so every
process a run started is in the tree of the run's main process or in the tree of a child of
the host. A process is claimed by the first rule that names a live run:

1. its parent is a claimed process (the run's main process is claimed from the start);
2. the leader of its session or process group is a claimed process (the main process leads
   the run's session; a double fork whose middle process was seen);
3. it is a child of the host holding the write end of the run's output pipe (the pipe inode
   in /proc/PID/fd, the access mode in fdinfo);
4. its environment carries the run's marker (TASKRUN_RUN_UID).

A pid is always matched with its create time, so a recycled pid never inherits a claim, and
rules 3 and 4 only name runs that started before the process did. Rules 1 and 2 give it the
runs of the claimed process: one. Rules 3 and 4 can name several (two runs' pipes, one run's
pipe and another's marker): the claim lists them all; a run that stops its processes leaves
it alone while another run it names is live, and the last of them to end stops it.

Never on create time alone: a child of the host that no rule names may be one the host
started itself (the CLI's daemon; the viewer the window opens for a log, whose launcher
double-forks), so it is left alone. Likewise a child of the host between its fork and its
exec, which holds every descriptor the host has (a child in the host's session or its own
that has not exec'd is not believed on rule 3), and, while a run's Popen is under way, any
child of ours that may be that run's main process (looked at again a moment later). What is
missed, then: an orphan whose parent died before it was seen, with no marker, not holding the
run's output, and not in a session or group of the run (a daemon that closes its descriptors,
clears its environment and double-forks within 0.1 s); and processes of other users (their
/proc entries cannot be read).

Processes are looked at as they appear: before a supervisor logs output (so whoever wrote it
is known, and in the run's pids file, by then) and on each quiet pass of its loop (0.1 s), it
reads the last pid the kernel handed out; when it moved, only the pids allocated since are
probed (all of /proc after a wrap or past PROBE_LIMIT). Sampling and stopping a run make a
full pass over /proc that also follows parents. A run of `true` costs one read of
ns_last_pid, at its end, and a few stat reads when other runs started processes meanwhile.

Zombies: adopted orphans that exit become zombies of the host. The host reaps only children
it knows it did not spawn: claimed processes other than a run's main one (its supervisor
waits for that one), and children whose session is neither the host's nor their own (a child
the host forks keeps the host's session or starts its own: Popen's children, and run mains,
never look like that). It never waits for "any child", so no Popen loses its child. They are
reaped on full passes, so only while some run is going.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterable

import psutil

from taskrun_gui.engine.claims import SAME, Claim, Claims, RunLineage, process_at
from taskrun_gui.monitor import proctree
from taskrun_gui.monitor.proctree import ProcStat

PROBE_LIMIT = 512  # new pids probed one by one; more than this: one pass over /proc
SPAWN_WINDOW = 1.0  # seconds: a run's main is claimed well before it is this old
CHECKED_LIMIT = 4096  # processes remembered as checked and no run's (a busy machine)
REAPED_LIMIT = 1024  # ended runs' mains remembered for the probes still to pass them
ENABLED = sys.platform.startswith("linux")

_subreaper: bool | None = None  # not tried yet


def ensure_subreaper() -> None:
    """Once per process, before its first run (a no-op elsewhere than Linux)."""
    global _subreaper
    if _subreaper is None:
        _subreaper = proctree.become_child_subreaper()


class Lineages:
    """Every run of this process and the processes claimed for them; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: list[RunLineage] = []
        self._claims = Claims()
        self._checked: dict[int, float] = {}  # no pipe nor marker of a run: not again
        self._reap_later: dict[int, float] = {}  # stopped, not yet exited
        self._cursor = -1  # the last pid probed
        self._missing: list[int] = []  # allocated but not in /proc at the last probe
        self._deferred: list[int] = []  # maybe a run's main not yet started: look again
        self._spawning = 0  # runs between their fork and `start`
        # mains of ended runs, reaped by their supervisors, that a probe has still to pass:
        # gone, not to be read in /proc (a burst of short runs: two reads of each otherwise)
        self._reaped: set[int] = set()

    # -- a run's life ------------------------------------------------------------------------
    def spawning(self, delta: int) -> None:
        """+1 before a run's Popen, -1 if it failed (`start` counts the others)."""
        if ENABLED:
            with self._lock:
                self._spawning += delta

    def start(self, run: RunLineage) -> None:
        if not ENABLED:
            return
        with self._lock:
            self._spawning = max(0, self._spawning - 1)
            self._claims.start(run)
            # from the main pid on: its first children may predate this call
            if not self._runs or run.main_pid < self._cursor:
                self._cursor = run.main_pid
            self._runs.append(run)

    def finish(self, run: RunLineage) -> None:
        """The run has ended and its leftovers were stopped: forget them."""
        if not ENABLED:
            return
        with self._lock:
            run.live = False
            self._runs.remove(run)
            if run.thorough:
                self._claims.forget(run)
            else:  # nothing but its main process was ever claimed for it
                self._claims.by_pid.pop(run.main_pid, None)
            main = run.main_pid
            if main > self._cursor or main in self._missing or main in self._deferred:
                if len(self._reaped) > REAPED_LIMIT:
                    self._reaped.clear()  # stale ones (the cursor jumped past them)
                self._reaped.add(main)
            if self._reap_later:
                self._reap_pending()
            if not self._runs and self._checked:
                self._checked.clear()
        if run.pids_file is not None:
            run.pids_file.discard()

    # -- discovery ---------------------------------------------------------------------------
    def probe(self) -> None:
        """Look at the processes started since the last look (cheap when there are none)."""
        if ENABLED and self._news():
            with self._lock:
                self._probe()

    def _news(self) -> bool:
        """Processes started since the last look, some to look at again, or a look under
        way in another thread (it moved the cursor first: wait for what it finds)."""
        if proctree.last_pid() != self._cursor or self._missing or self._deferred:
            return True
        return self._lock.locked()

    def sample(self, run: RunLineage) -> list[psutil.Process]:
        """A full pass; the run's live processes, adopted ones included."""
        if not ENABLED:
            return []
        with self._lock:
            run.thorough = True
            return self._claims.processes(run, self._full_pass())

    def leftovers(self, run: RunLineage, hunt_pipe: bool = False) -> list[psutil.Process]:
        """What `run` must stop: its live claimed processes that no other live run shares
        (the main one is not in it). `hunt_pipe`: also any process holding its output pipe
        (the main process has exited but the pipe is still open)."""
        if not ENABLED or not (run.thorough or hunt_pipe or self._news()):
            return []  # nothing was ever claimed for it, and nothing new: none
        with self._lock:
            table = self._full_pass() if run.thorough or hunt_pipe else None
            if table is None:
                self._probe()
                if self._missing:  # forked as its main process ended: in /proc by now
                    self._probe()
            found = self._claims.processes(run, table, alone=True)
            if hunt_pipe and run.pipe_inode is not None:
                skip = {p.pid for p in found}
                found += self._pipe_holders(run, run.pipe_inode, table or {}, skip)
            return found

    def reap_stopped(self, run: RunLineage, procs: Iterable[psutil.Process]) -> None:
        """Collect the adopted ones among a run's stopped processes, now or once they have
        exited: its claimed processes and `procs` (what was in its tree when it was
        stopped), never a run's main process (its supervisor waits for that one)."""
        if not ENABLED:
            return
        with self._lock:
            wanted = {p: c.create_time for p, c in self._claims.by_pid.items() if run in c.runs}
            for proc in procs:
                with contextlib.suppress(psutil.Error):
                    wanted.setdefault(proc.pid, proc.create_time())
            for pid, created in wanted.items():
                if pid != run.main_pid and not self._claims.is_main(pid):
                    self._reap_later[pid] = created
            self._reap_pending()

    # -- inside the lock ---------------------------------------------------------------------
    def _probe(self) -> None:
        if not self._runs:
            return
        last = proctree.last_pid()
        if last < 0 or not self._cursor <= last <= self._cursor + PROBE_LIMIT:
            self._full_pass()
            return
        missed = set(self._missing)
        pids = [*self._deferred, *self._missing, *range(self._cursor + 1, last + 1)]
        self._cursor, self._missing, self._deferred = last, [], []
        seen: dict[int, ProcStat] = {}
        for pid in pids:
            if self._claims.is_main(pid):  # a live run's main: ours, not reaped yet
                continue
            if pid in self._reaped:  # an ended run's main: reaped, so gone
                self._reaped.discard(pid)
                continue
            st = proctree.read_stat(pid)
            if st is None:
                if pid not in missed:  # dead already, or forked but not yet in /proc
                    self._missing.append(pid)
                continue
            seen[pid] = st
            if not self._claims.holds(st):
                runs = self._judge(st, seen)
                if runs is None:
                    self._deferred.append(pid)
                elif runs and proctree.is_thread_leader(pid):  # probed ids can be threads
                    self._claims.add(st, runs)

    def _full_pass(self) -> dict[int, ProcStat]:
        last = proctree.last_pid()
        table = proctree.proc_table()
        if last >= 0:
            self._cursor, self._missing, self._deferred = last, [], []
            self._reaped = {pid for pid in self._reaped if pid > last}
        me = os.getpid()
        kids: dict[int, list[ProcStat]] = {}
        for st in table.values():
            kids.setdefault(st.ppid, []).append(st)
        self._spread(self._claims.alive(table), kids)
        for st in kids.get(me, ()):
            if self._claims.holds(st):
                continue
            runs = self._judge(st, table, complete=True)
            if runs is None:
                self._deferred.append(st.pid)
            elif runs:
                self._claims.add(st, runs)
                self._spread([st.pid], kids)
        self._claims.prune(table, self._runs)
        for pid, created in list(self._checked.items()):
            if not Claim(created).alive_in(table, pid):
                del self._checked[pid]
        self._reap_adopted(kids.get(me, []))
        return table

    def _spread(self, todo: list[int], kids: dict[int, list[ProcStat]]) -> None:
        """Rule 1 down the tree: the children of claimed processes."""
        while todo:
            pid = todo.pop()
            claim = self._claims.get(pid)
            runs = set() if claim is None else {r for r in claim.runs if r.live}
            for st in kids.get(pid, ()) if runs else ():
                if not self._claims.holds(st):
                    self._claims.add(st, set(runs))
                    todo.append(st.pid)

    def _judge(
        self, st: ProcStat, seen: dict[int, ProcStat], complete: bool = False
    ) -> set[RunLineage] | None:
        """The runs an unclaimed process belongs to (often none). None: not yet; it is a
        young child of ours in its own session or ours, so it may be the main process of a
        run whose Popen is under way (claimed as such in a moment), or a child that has not
        exec'd yet (its pipes are not believed until it has: see _maybe_spawning)."""
        runs = self._claims.lineage_of(st, seen, complete)
        if runs:
            return runs
        young = (
            st.ppid == os.getpid()
            and st.sid in (os.getsid(0), st.pid)
            and time.time() - st.create_time < SPAWN_WINDOW
        )
        if young and self._spawning:
            return None
        if self._checked.get(st.pid) == st.create_time:
            return runs
        runs = self._evidence_of(st)
        if not runs:
            if young and st.exec_pending:
                return None
            if len(self._checked) > CHECKED_LIMIT:
                self._checked.clear()
            self._checked[st.pid] = st.create_time
        return runs

    def _evidence_of(self, st: ProcStat) -> set[RunLineage]:
        """Rules 3 and 4, for runs that started before the process did. Only for children of
        ours while we are a subreaper: any other process of a run has a parent in the run,
        met before it (pids go up), so rule 1 names it."""
        ours = st.ppid == os.getpid()
        live = [r for r in self._runs if r.main_create <= st.create_time + SAME]
        runs: set[RunLineage] = set()
        if not live or not (ours or not _subreaper):
            return runs
        pipes = {r.pipe_inode for r in live if r.pipe_inode is not None}
        if ours and pipes and not _maybe_spawning(st):
            held = proctree.pipes_written(st.pid, pipes)
            runs = {r for r in live if r.pipe_inode in held}
        marker = proctree.marker_of(st.pid)
        if marker is not None:
            runs |= {r for r in live if r.uid == marker}
        return runs

    def _pipe_holders(
        self, run: RunLineage, inode: int, table: dict[int, ProcStat], skip: set[int]
    ) -> list[psutil.Process]:
        """Every process holding the run's output pipe, wherever it is in the tree (one
        /proc/PID/fd listing each: only when the main process has exited and the pipe is
        still open), but none another live run claims."""
        me = os.getpid()
        out = []
        for pid, st in table.items():
            claim = self._claims.get(pid)
            if pid == me or pid in skip or st.zombie:
                continue
            if claim is not None and claim.is_of(st) and run not in claim.runs:
                continue
            if st.ppid == me and _maybe_spawning(st):
                continue
            if proctree.pipes_written(pid, {inode}):
                proc = process_at(pid, st.create_time)
                if proc is not None:
                    out.append(proc)
        return out

    def _reap_adopted(self, ours: list[ProcStat]) -> None:
        """Zombies among our children that we know we did not spawn (see the module)."""
        my_session = os.getsid(0)
        for st in ours:
            if not st.zombie or self._claims.is_main(st.pid):
                continue
            if self._claims.holds(st) or st.sid not in (my_session, st.pid):
                proctree.reap(st.pid)
        self._reap_pending()

    def _reap_pending(self) -> None:
        """Stopped processes of runs, until they are gone: reaped by us once they are our
        zombies (their parent may die after them, and leave them to us)."""
        me = os.getpid()
        for pid, created in list(self._reap_later.items()):
            st = proctree.read_stat(pid)
            if st is None or abs(st.create_time - created) >= SAME:
                del self._reap_later[pid]
            elif st.zombie and st.ppid == me:
                proctree.reap(pid)
                del self._reap_later[pid]


def _maybe_spawning(st: ProcStat) -> bool:
    """Maybe a child of the host between its fork and its exec (see the module)."""
    return st.exec_pending and st.sid in (os.getsid(0), st.pid)


REGISTRY = Lineages()  # one per process: the subreaper's orphans are the process's
