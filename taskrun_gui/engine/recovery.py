"""Runs left running by a host that died become `interrupted`, and what is left of their
process trees is stopped, identified by create time so a recycled pid is never touched: the
main process and its group from the run's row, and the processes that had left its tree
(reparented to init by now) from the run's pids file (engine/run_pids.py). The tail segments
of a capped log are put after its head, as the dead host would have at the run's end."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import replace
from pathlib import Path

from taskrun_gui.core.models import ErrorType, RunRecord, RunStatus
from taskrun_gui.core.nodes import node_name
from taskrun_gui.core.run_events import RunFinished
from taskrun_gui.core.timefmt import now_ms
from taskrun_gui.engine.locks import host_lock
from taskrun_gui.storage import node_leases, notify_state, recorder, runs_repo, unreplayed
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import replay_spool

log = logging.getLogger(__name__)


def recover_dead_runs(store: Store, name_checked: bool = False) -> list[RunRecord]:
    """Mark the live runs of dead hosts interrupted. Call while holding the host lock. What a
    dead writer left (a finish it had not committed) is written first: it is not lost; a run
    whose finish still waits (the store refused the replay) is left for the next replay.
    On a shared history the node's live runs are left alone while another live host serves
    its name (engine/node_names.py; `name_checked`: the caller has just made sure)."""
    if replay_spool(store):
        finishes_waiting = unreplayed.waiting_uids(store.spool_dir, finishes_only=True)
    else:
        finishes_waiting = set()
    _stop_taken_over(store)
    live = runs_repo.live(node_name())  # another node's runs are its own to recover
    if live and store.url is not None and not name_checked:
        from taskrun_gui.engine import node_names  # few commands find a run to recover

        if node_names.in_use(store) is not None:
            return []  # that host's runs, not dead ones
    recovered = []
    for rec in live:
        if rec.uid not in finishes_waiting:
            _interrupt(store, rec)
            recovered.append(rec)
    return recovered


def _interrupt(store: Store, rec: RunRecord) -> None:
    """Stop what is left of a dead host's run and record it interrupted."""
    from taskrun_gui.engine.log_file import stitch_tail

    pids_file = _stop_leftovers(store, rec)
    cut = stitch_tail(Path(rec.log_path))  # its tail segments, after the head, as close would
    final = interrupted(rec, _interrupted_text(rec), now_ms(), cut)
    with store.write_transaction():  # take the write lock first: busy_timeout applies
        recorder.apply(RunFinished.of(final))
    try:  # its alerts died with its host: the next host that serves tells them
        with notify_state.changing(store.data_dir) as state:
            state.untold.append(rec.uid)
    except OSError as exc:
        log.warning("run %s was interrupted; its alerts cannot be kept for later: %s", rec.uid, exc)
    with contextlib.suppress(OSError):  # kept until the run is final: a refused write
        pids_file.unlink()  # retries the stop next time


def _stop_leftovers(store: Store, rec: RunRecord) -> Path:
    """Stop what is left here of run `rec`'s processes; the path of its pids file. What it
    needs (psutil, the supervisor) is imported there: every command recovers, few find a run
    to recover, and `taskrun runs` should not pay for them (issue 13)."""
    from taskrun_gui.engine import run_pids
    from taskrun_gui.engine.run_watchdog import stop_leftovers

    if rec.host is not None:  # a run on another machine has nothing here to stop
        return run_pids.path_for(store.tmp_dir, rec.uid)
    return stop_leftovers(store.tmp_dir, rec.uid, rec.pid, rec.pgid, rec.proc_create_time)


def interrupted(rec: RunRecord, why: str, finished_at: int, log_cut: int = 0) -> RunRecord:
    """Live run `rec` as interrupted at `finished_at` (`log_cut`: bytes its log lost as its
    tail was put back after its head): the final record a recovery or a takeover writes."""
    return replace(
        rec,
        status=RunStatus.INTERRUPTED,
        finished_at=finished_at,
        duration_ms=None if rec.started_at is None else max(0, finished_at - rec.started_at),
        error_type=ErrorType.INTERRUPTED,
        error_message=why,
        log_dropped=rec.log_dropped + log_cut,
    )


def _stop_taken_over(store: Store) -> None:
    """On a shared history: the runs of this node that another node interrupted while it was
    away (its lease expired) are final already; what is left of their processes here is
    stopped all the same (a host killed with its watchdog, engine/run_watchdog.py)."""
    if store.url is None:
        return
    since = node_leases.instance_started_at(node_name())
    if since is None:
        return
    found = node_leases.taken_over(node_name(), since)
    if not found:
        return
    from taskrun_gui.engine import run_pids
    from taskrun_gui.monitor import proctree

    for rec in found:  # a /proc scan only for a run with something left
        pids_file = run_pids.path_for(store.tmp_dir, rec.uid)
        alive = rec.pid is not None and proctree.is_same_process(rec.pid, rec.proc_create_time)
        if alive or pids_file.exists():
            _stop_leftovers(store, rec)
            with contextlib.suppress(OSError):
                pids_file.unlink()


def _interrupted_text(rec: RunRecord) -> str:
    if rec.host is None:
        return "TaskRun stopped while this run was going; its processes were stopped"
    return (  # the wrapper there stops them once the connection is gone (engine/remote/wrapper)
        f"TaskRun stopped while this run was going on {rec.host}; its processes there were "
        "not stopped from here: the wrapper on the host stops them once the connection is gone"
    )


def recover_if_no_host(store: Store) -> list[RunRecord]:
    """For any process opening the store: when no host is alive, recover (holding the host
    lock meanwhile so no host starts runs under our feet)."""
    if not store.writable:
        return []
    lock = host_lock(store.locks_dir)
    if not lock.try_acquire():
        return []
    try:
        return recover_dead_runs(store)
    except Exception:  # a store that refuses writes: try again next time
        return []
    finally:
        lock.release()
