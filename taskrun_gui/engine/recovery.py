"""Runs left running by a host that died become `interrupted`, and what is left of their
process trees is stopped, identified by create time so a recycled pid is never touched: the
main process and its group from the run's row, and the processes that had left its tree
(reparented to init by now) from the run's pids file (engine/run_pids.py). The tail segments
of a capped log are put after its head, as the dead host would have at the run's end."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from pathlib import Path

from taskrun_gui.core.models import ErrorType, RunRecord, RunStatus
from taskrun_gui.core.nodes import node_name
from taskrun_gui.core.run_events import RunFinished
from taskrun_gui.core.timefmt import now_ms
from taskrun_gui.engine.locks import host_lock
from taskrun_gui.storage import recorder, runs_repo, unreplayed
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import replay_spool


def recover_dead_runs(store: Store) -> list[RunRecord]:
    """Mark the live runs of dead hosts interrupted. Call while holding the host lock. What a
    dead writer left (a finish it had not committed) is written first: it is not lost; a run
    whose finish still waits (the store refused the replay) is left for the next replay."""
    if replay_spool(store):
        finishes_waiting = unreplayed.waiting_uids(store.spool_dir, finishes_only=True)
    else:
        finishes_waiting = set()
    recovered = []
    for rec in runs_repo.live(node_name()):  # another node's runs are its own to recover
        if rec.uid not in finishes_waiting:
            _interrupt(store, rec)
            recovered.append(rec)
    return recovered


def _interrupt(store: Store, rec: RunRecord) -> None:
    """Stop what is left of a dead host's run and record it interrupted. What it needs
    (psutil, the supervisor, the log file) is imported here: every command recovers, few
    find a run to recover, and `taskrun runs` should not pay for them (issue 13)."""
    from taskrun_gui.engine import run_pids
    from taskrun_gui.engine.log_file import stitch_tail
    from taskrun_gui.engine.supervise import kill_grace
    from taskrun_gui.monitor import proctree

    verified = rec.pid is not None and proctree.is_same_process(rec.pid, rec.proc_create_time)
    pids_file = run_pids.path_for(store.tmp_dir, rec.uid)
    if rec.host is None:  # a run on another machine has nothing here to stop
        proctree.stop_tree(
            rec.pid if verified else None,
            rec.pgid if verified else None,  # an unverified group id may belong to anyone
            rec.uid,
            grace=min(2.0, kill_grace()),
            extra=run_pids.still_running(pids_file),
        )
    cut = stitch_tail(Path(rec.log_path))  # its tail segments, after the head, as close would
    finished = now_ms()
    final = replace(
        rec,
        status=RunStatus.INTERRUPTED,
        finished_at=finished,
        duration_ms=None if rec.started_at is None else finished - rec.started_at,
        error_type=ErrorType.INTERRUPTED,
        error_message=_interrupted_text(rec),
        log_dropped=rec.log_dropped + cut,
    )
    with store.write_transaction():  # take the write lock first: busy_timeout applies
        recorder.apply(RunFinished.of(final))
    with contextlib.suppress(OSError):  # kept until the run is final: a refused write
        pids_file.unlink()  # retries the stop next time


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
