"""`taskrun run TASK --on HOST|tag:T [--on …] [--parallel N]`: one run per target, all of them
one batch. The runs are queued in the store like any other (with their host, batch and the
batch's parallel limit) and the host that serves the data dir runs them: this process when
waiting with none alive, else the daemon or window serving it."""

from __future__ import annotations

import argparse
import uuid

from peewee import OperationalError

from taskrun_gui.cli.common import fail
from taskrun_gui.cli.daemon_spawn import spawn_daemon
from taskrun_gui.cli.hosting import make_host, name_free_or_fail, serve
from taskrun_gui.core.hosts import LOCAL, HostError, select
from taskrun_gui.core.models import RunRecord, Trigger
from taskrun_gui.engine import records
from taskrun_gui.engine.locks import host_alive
from taskrun_gui.storage import hosts_repo, tasks_repo
from taskrun_gui.storage.db import Store


def _queue(
    store: Store, task: tasks_repo.TaskRow, values: dict[str, str], a: argparse.Namespace
) -> list[RunRecord]:
    try:
        targets = select(hosts_repo.all_hosts(), a.on)
    except HostError as exc:
        fail(str(exc), code=2)
    batch = uuid.uuid4().hex
    recs: list[RunRecord] = []
    for host in targets:
        for _ in range(max(1, a.repeat)):
            rec = records.new_run(
                task.id, task.version, task.spec, values, Trigger.CLI, store.logs_dir
            )
            rec.host, rec.batch, rec.batch_limit = host.name, batch, a.parallel
            recs.append(rec)
    from taskrun_gui.cli.run_cmds import queue_rows

    try:
        queue_rows(store, task, values, recs)
    except (OperationalError, OSError) as exc:
        fail(f"cannot queue in the history store ({exc}); nothing was run")
    return recs


def targets_for(task: tasks_repo.TaskRow, a: argparse.Namespace) -> list[str]:
    """Where `run` sends the task: --on when given, else the task's targets; `--on local`
    (alone) means this machine whatever the task says."""
    if LOCAL in a.on:
        if len(a.on) > 1 or a.parallel is not None:
            fail(f"--on {LOCAL}: runs here only; not with other --on values or --parallel", 2)
        return []
    return list(a.on or task.spec.targets)


def run_on(
    store: Store, task: tasks_repo.TaskRow, values: dict[str, str], a: argparse.Namespace
) -> int:
    from taskrun_gui.cli import run_cmds  # its waiting and reporting, shared

    if not a.on:
        fail("--parallel: only with --on (runs on other machines)", code=2)
    if not host_alive(store.locks_dir):
        name_free_or_fail(store)
    recs = _queue(store, task, values, a)
    if not a.wait:
        if not host_alive(store.locks_dir):
            spawn_daemon(store, a.workers)
        run_cmds._print_runs(recs, a.json, queued=True)
        return 0
    host = None if host_alive(store.locks_dir) else make_host(store, a.workers)
    if host is not None and host.try_serve():
        mine = {rec.uid: rec for rec in recs}
        roots = {rec.uid for rec in recs}

        echo = run_cmds.Echo(host.store.logs_dir, {rec.uid: rec.log_path for rec in recs})

        def on_finished(rec: RunRecord) -> None:
            if a.follow:
                echo.ended(rec)
            if (rec.first_uid or rec.uid) in roots:
                mine[rec.first_uid or rec.uid] = rec

        serve(
            host,
            exit_when_idle=True,
            on_finished=on_finished,
            on_output=echo.output if a.follow else None,
            # Ctrl+C: the batch's runs that have not started are cancelled, as `run --wait`'s
            # here are (they were left queued, and the next taskrun ran them)
            cancel_on_stop=lambda rec: (rec.first_uid or rec.uid) in roots,
        )
        finals = [mine[rec.uid] for rec in recs]
        code = run_cmds._report(finals, a.json)
        if host.stopped_by_signal:  # 130 for Ctrl+C, 143 for SIGTERM, as a shell says
            return 128 + host.stopped_by_signal
        return code
    if host is not None:
        host.close()
    finals = run_cmds._wait_chains(store, [rec.uid for rec in recs], a.follow, a.workers)
    return run_cmds._report(finals, a.json)
