"""The processes claimed for the runs of this host (see engine/lineage.py for the rules that
claim them): each by pid and create time, so a recycled pid never inherits a claim."""

from __future__ import annotations

from dataclasses import dataclass, field

import psutil

from taskrun_gui.engine.run_pids import RunPidsFile
from taskrun_gui.monitor import proctree
from taskrun_gui.monitor.proctree import ProcStat

SAME = 0.05  # seconds: two create times of one process (as is_same_process allows)
COMPACT_AT = 256  # lines in a run's pids file before dead ones are dropped from it


@dataclass(eq=False, slots=True)  # compared and hashed by identity: one per run_process call
class RunLineage:
    uid: str
    main_pid: int
    main_create: float
    pipe_inode: int | None
    pids_file: RunPidsFile | None = None
    live: bool = True
    thorough: bool = False  # it had other processes or lived to be sampled: full passes


@dataclass(slots=True)
class Claim:
    create_time: float
    runs: set[RunLineage] = field(default_factory=set)
    main: bool = False

    def is_of(self, st: ProcStat) -> bool:
        return abs(self.create_time - st.create_time) < SAME

    def alive_in(self, table: dict[int, ProcStat], pid: int) -> bool:
        st = table.get(pid)
        return st is not None and self.is_of(st)


class Claims:
    """Not thread-safe: engine/lineage.py holds its lock around every call."""

    def __init__(self) -> None:
        self.by_pid: dict[int, Claim] = {}

    def get(self, pid: int) -> Claim | None:
        return self.by_pid.get(pid)

    def holds(self, st: ProcStat) -> bool:
        claim = self.by_pid.get(st.pid)
        return claim is not None and claim.is_of(st)

    def is_main(self, pid: int) -> bool:
        claim = self.by_pid.get(pid)
        return claim is not None and claim.main

    def start(self, run: RunLineage) -> None:
        self.by_pid[run.main_pid] = Claim(run.main_create, {run}, main=True)

    def add(self, st: ProcStat, runs: set[RunLineage]) -> None:
        """Claim `st` for `runs`, and write it in their pids files (the main process first:
        with it, recovery has everything even if the run's row never got its pid)."""
        self.by_pid[st.pid] = Claim(st.create_time, runs)
        for r in runs:
            r.thorough = True
            if r.pids_file is not None:
                if not r.pids_file.lines:
                    r.pids_file.add(r.main_pid, r.main_create)
                r.pids_file.add(st.pid, st.create_time)

    def forget(self, run: RunLineage) -> None:
        for pid, claim in list(self.by_pid.items()):
            if run in claim.runs:
                claim.runs.discard(run)
                if not claim.runs:
                    del self.by_pid[pid]

    def alive(self, table: dict[int, ProcStat]) -> list[int]:
        return [pid for pid, c in self.by_pid.items() if c.alive_in(table, pid)]

    def lineage_of(
        self, st: ProcStat, seen: dict[int, ProcStat], complete: bool = False
    ) -> set[RunLineage]:
        """Rules 1 and 2: the live runs of its claimed parent, session leader or group
        leader. `seen`: processes read in this pass (all of them if `complete`)."""
        for ref in (st.ppid, st.sid, st.pgrp):
            claim = self.by_pid.get(ref)
            if claim is None or ref == st.pid or claim.create_time > st.create_time + SAME:
                continue
            holder = seen.get(ref) if complete else seen.get(ref) or proctree.read_stat(ref)
            if holder is None and ref == st.ppid:
                continue  # a parent is there to read
            if holder is not None and not claim.is_of(holder):
                continue  # that pid is another process now
            runs = {r for r in claim.runs if r.live}
            if runs:
                return runs
        return set()

    def processes(
        self, run: RunLineage, table: dict[int, ProcStat] | None, alone: bool = False
    ) -> list[psutil.Process]:
        """The run's live claimed processes. `alone`: without its main process and without
        those another live run also names."""
        out = []
        for pid, claim in self.by_pid.items():
            if run not in claim.runs:
                continue
            if alone and (claim.main or any(r.live and r is not run for r in claim.runs)):
                continue
            st = table.get(pid) if table is not None else proctree.read_stat(pid)
            if st is None or st.zombie or not claim.is_of(st):
                continue
            proc = process_at(pid, claim.create_time)
            if proc is not None:
                out.append(proc)
        return out

    def prune(self, table: dict[int, ProcStat], runs: list[RunLineage]) -> None:
        """After a full pass: forget the dead (but session and group leaders still
        referenced: rule 2 needs them), and drop them from long pids files."""
        referenced = {st.sid for st in table.values()} | {st.pgrp for st in table.values()}
        for pid, claim in list(self.by_pid.items()):
            if not claim.main and pid not in referenced and not claim.alive_in(table, pid):
                del self.by_pid[pid]
        for run in runs:
            if run.pids_file is not None and run.pids_file.lines > COMPACT_AT:
                keep = {p: c.create_time for p, c in self.by_pid.items() if run in c.runs}
                if run.pids_file.lines > 2 * len(keep) + COMPACT_AT:
                    run.pids_file.rewrite(keep)


def process_at(pid: int, create_time: float) -> psutil.Process | None:
    """A psutil handle on the process started at `create_time`, not on a pid reused since."""
    try:
        proc = psutil.Process(pid)
        return proc if abs(proc.create_time() - create_time) < SAME else None
    except psutil.Error:
        return None
