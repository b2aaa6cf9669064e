"""`taskrun run` and `taskrun daemon`: queue runs, be the host when none is alive, wait."""

from __future__ import annotations

import argparse
import functools
import os
import signal
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from peewee import OperationalError

from taskrun_gui.cli.common import fail, key_values, print_json, through_outages, warn
from taskrun_gui.cli.daemon_spawn import (
    ensure_successor,
    handed_params,
    run_detached,
    spawn_daemon,
)
from taskrun_gui.cli.streams import stdout_gone, write_run_output
from taskrun_gui.core import params as params_mod
from taskrun_gui.core.models import RunRecord, RunStatus, Trigger
from taskrun_gui.core.nodes import ANY_NODE, node_name
from taskrun_gui.core.run_json import run_to_json
from taskrun_gui.engine import records
from taskrun_gui.engine.locks import host_alive, host_lock, host_pid
from taskrun_gui.engine.log_follow import LogFollower
from taskrun_gui.engine.queueing import queued_event, secret_refusal
from taskrun_gui.engine.recovery import recover_if_no_host
from taskrun_gui.engine.shipped_log import ShippedFollower, reads_shipped
from taskrun_gui.engine.wakeup import nudge
from taskrun_gui.storage import recorder, runs_repo, tasks_repo
from taskrun_gui.storage.db import Store

if TYPE_CHECKING:  # the engine is imported by the paths that host or run: not to queue
    from taskrun_gui.engine.serving import ThreadHost
    from taskrun_gui.engine.watcher import ChangeWaiter

POLL = 0.2
SLOW_POLL = 2.0  # waiting on a shared server, where the run's notifications wake the wait


def cmd_daemon(store: Store, a: argparse.Namespace) -> int:
    from taskrun_gui.cli.hosting import make_host, serve

    host = make_host(store, a.workers, schedules=not a.exit_when_idle)
    if not host.try_serve_soon():
        host.close()
        pid = host_pid(store.locks_dir)
        by = f"pid {pid}" if pid else "another process (it is starting)"
        fail(f"the data dir {store.data_dir} is already served by {by}")
    print(f"taskrun daemon serving {store.data_dir} (pid {os.getpid()})", file=sys.stderr)
    code = serve(host, exit_when_idle=a.exit_when_idle, on_stop=a.on_stop, commands=True)
    if a.exit_when_idle:
        ensure_successor(host, a.workers)  # runs queued as this host was leaving
    return code


def cmd_run(store: Store, a: argparse.Namespace) -> int:
    a.wait = a.wait or a.follow  # output printed while it runs is output waited for
    task = tasks_repo.get(a.name)
    given = {**handed_params(), **key_values(a.param, "--param")}
    from taskrun_gui.cli.remote_run_cmds import run_on, targets_for

    a.on = targets_for(task, a)  # --on, else the task's targets
    target = a.for_node or task.spec.node or node_name()  # --node, else the task's node
    # executed by another node (or whichever claims it, on a shared history): its secrets
    local_any = target == ANY_NODE and store.url is None
    elsewhere = not a.on and a.parallel is None and target != node_name() and not local_any
    try:
        values = params_mod.resolve(task.spec.params, given, secrets_elsewhere=elsewhere)
    except params_mod.ParamError as exc:
        fail(str(exc))
    if a.on or a.parallel is not None:  # runs on other machines
        return run_on(store, task, values, a)
    repeat = max(1, a.repeat)
    here = target in (node_name(), ANY_NODE)  # this node may execute it
    if not here:
        if a.for_node:  # the task's own was checked when it was saved
            _known_node_or_fail(target)
        _no_secret_for(task, given, target)
    elif target == ANY_NODE and store.url is not None:  # whichever node claims it
        _no_secret_for(task, given, target)
    if here and not host_alive(store.locks_dir):
        from taskrun_gui.cli.hosting import name_free_or_fail

        name_free_or_fail(store)
    if here and not host_alive(store.locks_dir) and a.wait:
        from taskrun_gui.cli.hosting import make_host

        host = make_host(store, a.workers)
        if host.try_serve():
            return _run_as_host(host, task, values, repeat, a)
        host.close()
    recs = [
        records.new_run(
            task.id, task.version, task.spec, values, Trigger.CLI, store.logs_dir, node=target
        )
        for _ in range(repeat)
    ]
    try:
        queue_rows(store, task, values, recs)
    except (OperationalError, OSError) as exc:
        if not a.wait:
            run_detached(store, a, given)
            warn(
                f"cannot queue in the history store ({exc}); the task runs now in a process "
                "of its own and is recorded when the store accepts writes"
            )
            return 0
        warn(f"cannot queue in the history store ({exc}); running the task here directly")
        return _run_direct(store, task, values, recs, a)
    if not a.wait:
        if here and not host_alive(store.locks_dir):
            spawn_daemon(store, a.workers)
        _print_runs(recs, a.json, queued=True)
        return 0
    finals = _wait_chains(store, [rec.uid for rec in recs], a.follow, a.workers, here)
    return _report(finals, a.json)


def _known_node_or_fail(name: str) -> None:
    """A run queued for a node that never served this history would wait for nobody (and
    `--wait` with it, for ever): a typo in a node name is refused."""
    from taskrun_gui.storage import nodes_repo

    if all(n.name != name for n in nodes_repo.list_nodes()):
        fail(f"--node {name}: no such node on this history (see `taskrun nodes`)", code=2)


def _no_secret_for(task: tasks_repo.TaskRow, given: dict[str, str], node: str) -> None:
    refused = secret_refusal(task.name, task.spec, given, node)
    if refused is not None:
        fail(f"--param {refused}", code=2)


def queue_rows(
    store: Store, task: tasks_repo.TaskRow, values: dict[str, str], recs: list[RunRecord]
) -> None:
    """Queue `recs` in the store, each with its secrets saved, and nudge the serving host
    (it looks now, not at its next poll); raises OperationalError or OSError with nothing
    left behind."""
    try:
        for rec in recs:  # before the rows: a host may see a row the moment it is committed
            if rec.node in (node_name(), ANY_NODE):  # another node takes its own secrets
                records.save_secret_values(store.secrets_dir, rec.uid, task.spec, values)
        with recorder.immediate_transaction():
            for rec in recs:
                rec.id = recorder.apply(queued_event(rec))
    except (OperationalError, OSError):
        for rec in recs:
            records.drop_secret_values(store.secrets_dir, rec.uid)
        raise
    nudge(store.locks_dir)


def _run_as_host(
    host: ThreadHost,
    task: tasks_repo.TaskRow,
    values: dict[str, str],
    repeat: int,
    a: argparse.Namespace,
) -> int:
    from taskrun_gui.cli.hosting import serve

    mine: dict[str, RunRecord] = {}  # chain root uid -> latest final record
    roots: dict[str, str] = {}

    spec = replace(task.spec, node="")  # it runs here: --node or the task's node said so

    def setup(h: ThreadHost) -> None:
        for rec in h.executor.enqueue(
            task.id, task.version, spec, values, Trigger.CLI, repeat=repeat
        ):
            roots[rec.uid] = rec.uid
            echo.paths[rec.uid] = rec.log_path

    def on_finished(rec: RunRecord) -> None:
        if a.follow:
            echo.ended(rec)
        root = rec.first_uid or rec.uid
        if root in roots:
            mine[root] = rec

    echo = Echo(host.store.logs_dir)

    code: list[int] = []

    def report() -> None:  # before the last alerts: a channel that hangs does not hold it
        finals = [f for f in (mine.get(root) for root in roots) if f is not None]
        code.append(_report(finals, a.json, expected=len(roots)))
        sys.stdout.flush()

    try:
        serve(
            host,
            exit_when_idle=True,
            setup=setup,
            on_finished=on_finished,
            on_output=echo.output if a.follow else None,
            written=report,
            cancel_on_stop=lambda rec: (rec.first_uid or rec.uid) in roots,
        )
    finally:  # a report that could not be printed (a closed pipe) still leaves a successor
        ensure_successor(host, a.workers)  # runs others queued as this host was leaving
    if host.stopped_by_signal:  # 130 for Ctrl+C, 143 for SIGTERM, as a shell says
        return 128 + host.stopped_by_signal
    return code[0] if code else 1


def _run_direct(
    store: Store,
    task: tasks_repo.TaskRow,
    values: dict[str, str],
    recs: list[RunRecord],
    a: argparse.Namespace,
) -> int:
    """The queue cannot be written: run here, record when the store accepts writes (the
    writer retries, then spools what is left for the next process to replay)."""
    from taskrun_gui.cli.log_notice import tell_log_error
    from taskrun_gui.engine.runner import RunHooks, RunJob, execute_run
    from taskrun_gui.storage.writer import StoreWriter

    writer = StoreWriter(store, retry_interval=0.5)
    finals = []
    job = None
    lock = host_lock(store.locks_dir)
    lock.try_acquire()  # when free: no other taskrun takes this run for a dead host's
    spec = task.spec
    if spec.retries:
        warn("retries are not made when the task runs directly")
        spec = replace(spec, retries=0)

    def on_signal(_s: int, _f: object) -> None:
        if job is not None:
            job.control.cancel()

    old = signal.signal(signal.SIGINT, on_signal)
    try:
        for rec in recs:
            writer.submit(queued_event(rec))
            job = RunJob(rec, spec, values)
            echo = Echo(store.logs_dir, {rec.uid: rec.log_path})
            out = functools.partial(echo.output, rec.uid) if a.follow else None
            result = execute_run(job, store, writer, RunHooks(on_output=out))
            if a.follow:
                echo.ended(result.record)
            tell_log_error(result.record)
            finals.append(result.record)
    finally:
        signal.signal(signal.SIGINT, old)
        if not writer.flush(3.0):
            warn(
                "the run records could not be written yet; they are kept and will be written "
                "by the next taskrun that can"
            )
        writer.close(timeout=1.0)
        lock.release()
    return _report(finals, a.json)


class Echo:
    """--follow of the runs this process executes: their bytes as the log files have them
    (the output events carry text decoded for a window, with invalid UTF-8 replaced)."""

    def __init__(self, logs_dir: Path, paths: dict[str, str] | None = None) -> None:
        self.logs_dir = logs_dir
        self.paths = paths or {}  # run uid -> log path, as queued
        self._followers: dict[str, LogFollower] = {}

    def output(self, uid: str, _text: str, _offset: int) -> None:
        follower = self._followers.get(uid)
        if follower is None:
            path = self.paths.get(uid) or next(iter(self.logs_dir.glob(f"*/{uid}.log")), None)
            if path is None:
                return
            follower = self._followers[uid] = LogFollower(Path(path))
        _print_new_output(follower)

    def ended(self, rec: RunRecord) -> None:
        """The rest of a finished run's output (the last events may have been batched)."""
        follower = self._followers.pop(rec.uid, None) or LogFollower(Path(rec.log_path))
        _print_new_output(follower)


def _wait_chains(
    store: Store, uids: list[str], follow: bool, workers: int | None, here: bool = True
) -> list[RunRecord]:
    """Wait for each run in turn, with one listener for them all (on a shared server, the
    runs' notifications wake the waits)."""
    from taskrun_gui.engine.watcher import ChangeWaiter

    waiter = ChangeWaiter(store)
    try:
        return [_wait_chain(store, waiter, uid, follow, workers, here) for uid in uids]
    finally:
        waiter.close()


def _wait_chain(
    store: Store, waiter: ChangeWaiter, uid: str, follow: bool, workers: int | None, here: bool
) -> RunRecord:
    """Wait for a run queued for another host, following its retries. When that host goes
    away while the run is still queued, a daemon is started to serve it (`here`: the run
    may execute on this node; one queued for another node is only waited for). Its output
    followed from the log file, a look every POLL; else, where notifications wake the wait,
    the fallback look is slow (SLOW_POLL)."""
    from taskrun_gui.storage.pg_listen import poll_interval

    slow = poll_interval(store.url, SLOW_POLL) if waiter.listening and not follow else POLL
    follower: LogFollower | ShippedFollower | None = None  # as `taskrun log --follow`
    spawned_at = 0.0
    while True:
        rec = through_outages(store, functools.partial(runs_repo.get_by_uid, uid))
        if rec is None:
            waiter.wait(slow)
            continue
        if follow and rec.log_path and rec.status is not RunStatus.QUEUED:  # its node known
            follower = follower or _follower(rec)
            through_outages(store, functools.partial(_print_new_output, follower))
        if rec.status.is_final:
            retry = through_outages(store, functools.partial(runs_repo.retry_of, rec))
            if retry is None:
                return rec
            uid, follower = retry.uid, None
            continue
        stale = time.monotonic() - spawned_at > 5.0  # a daemon needs a moment to take over
        if here and rec.status is RunStatus.QUEUED and stale and not host_alive(store.locks_dir):
            spawn_daemon(store, workers)
            spawned_at = time.monotonic()
        elif rec.status.is_live and not host_alive(store.locks_dir):
            recover_if_no_host(store)  # its host died: the run is interrupted, not waited on
        waiter.wait(slow, rec.id)


def _follower(rec: RunRecord) -> LogFollower | ShippedFollower:
    """The one tailer of a run's output: its log file, or for another node's run on a
    shared history what that node ships into the database."""
    return ShippedFollower(rec) if reads_shipped(rec) else LogFollower(Path(rec.log_path))


def _print_new_output(follower: LogFollower | ShippedFollower) -> None:
    """What the run printed since the last look (past the head of a capped log: its
    newest segment, then the finished file, with a note where the cap cut; where bytes
    were not kept in the database, a note for them)."""
    got = follower.read()
    data = got if isinstance(got, bytes) else got[0]
    if data:
        write_run_output(data)


def _print_runs(recs: list[RunRecord], as_json: bool, queued: bool = False) -> None:
    if as_json:
        print_json([run_to_json(r) for r in recs])
        return
    for r in recs:
        rid = r.id if r.id is not None else "?"
        if queued:
            print(f"run {rid} of {r.task_name!r} queued")
        else:
            dur = "" if r.duration_seconds is None else f" in {r.duration_seconds:.2f} s"
            why = f" ({r.error_message})" if r.error_message else ""
            print(f"run {rid} of {r.task_name!r}: {r.status}{dur}{why}")


def _report(finals: list[RunRecord], as_json: bool, expected: int | None = None) -> int:
    """Print how the runs ended (as this process saw them: the store may not have the
    records yet) with the ids the store gave them."""
    try:  # one query for a thousand runs, not one each
        ids = runs_repo.ids_by_uid([r.uid for r in finals if r.id is None])
    except OperationalError:
        ids = {}
    shown = [r if r.id is not None else replace(r, id=ids.get(r.uid)) for r in finals]
    try:
        _print_runs(shown, as_json)
        sys.stdout.flush()
    except BrokenPipeError:  # nobody reads it (`| true`): the exit code still tells
        stdout_gone()
    ok = all(r.status is RunStatus.SUCCESS for r in finals)
    return 0 if ok and (expected is None or len(finals) == expected) else 1
