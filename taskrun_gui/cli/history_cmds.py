"""`taskrun runs|log|cancel|pause|resume|stats|export-runs|cleanup|storage`."""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections import deque
from pathlib import Path

from taskrun_gui.cli.common import fail, print_json, print_table, through_outages, warn
from taskrun_gui.core.models import Control, RunRecord, RunStatus
from taskrun_gui.core.run_json import run_to_json
from taskrun_gui.core.stats import COUNTED_STATUSES
from taskrun_gui.core.timefmt import human_bytes, human_duration, local_text
from taskrun_gui.engine.locks import host_alive
from taskrun_gui.engine.log_file import TAIL_SEGMENTS
from taskrun_gui.engine.log_follow import LogFollower
from taskrun_gui.engine.recovery import recover_if_no_host
from taskrun_gui.engine.shipped_log import ShippedFollower, reads_shipped
from taskrun_gui.engine.wakeup import nudge
from taskrun_gui.storage import (
    host_stats,
    hosts_repo,
    node_history,
    retention,
    run_claims,
    run_export,
    runs_repo,
    stats_repo,
    tasks_repo,
)
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.run_export import ExportFormat
from taskrun_gui.storage.runs_repo import RunFilter


def _filter(a: argparse.Namespace) -> RunFilter:
    flt = RunFilter(text=a.text, exit_code=a.exit_code)
    if a.task:
        flt.task_id = tasks_repo.history_id(a.task)  # a deleted task's history too
    for s in a.status:
        try:
            flt.statuses.append(RunStatus(s))
        except ValueError:
            fail(f"--status {s!r}: use one of {', '.join(x.value for x in RunStatus)}")
    flt.since_ms, flt.until_ms = a.since, a.until  # epoch ms, checked by the parser
    if a.host is not None:
        _known_host_or_fail(a.host)
    flt.host = a.host
    if a.node_filter is not None:
        _known_node_or_fail(a.node_filter)
    flt.node = a.node_filter
    return flt


def _known_node_or_fail(name: str) -> None:
    """A node filter names a node of this history (the node table, or one a run names):
    anything else is a typo, refused as --host is."""
    if not node_history.is_known(name):
        fail(f"--node: no such node {name!r} (see `taskrun nodes`)")


def _known_host_or_fail(name: str) -> None:
    """A host filter names a host of the inventory, or one a run was on (a host removed since
    keeps its history): anything else is a typo, refused rather than an empty answer."""
    if hosts_repo.get(name) is None and name not in host_stats.run_hosts():
        fail(f"--host: no such host {name!r} (see `taskrun host list`)")


def cmd_runs(store: Store, a: argparse.Namespace) -> int:
    recs = runs_repo.page_before(_filter(a), a.before, a.limit)
    if a.json:
        print_json([run_to_json(r) for r in recs])
        return 0
    nodes = len(node_history.run_nodes()) > 1  # a shared history: say where each ran
    node_head = ["NODE"] if nodes else []
    print_table(
        ["ID", "TASK", "STATUS", *node_head, "QUEUED", "DURATION", "EXIT", "ERROR"],
        [
            [
                str(r.id),
                r.task_name,
                str(r.status),
                *([r.node or ""] if nodes else []),
                local_text(r.queued_at),
                human_duration(r.duration_seconds),
                "" if r.exit_code is None else str(r.exit_code),
                (r.error_message or "")[:60],
            ]
            for r in recs
        ],
    )
    return 0


def _run(run_id: int) -> RunRecord:
    rec = runs_repo.get(run_id)
    if rec is None:
        fail(f"no run with id {run_id}")
    return rec


def cmd_log(store: Store, a: argparse.Namespace) -> int:
    rec = _run(a.run_id)
    if reads_shipped(rec):
        return _log_shipped(store, rec, a)
    path = Path(rec.log_path)
    out = sys.stdout.buffer
    offset = 0
    lines: deque[bytes] = deque(maxlen=a.tail or None)
    if path.exists():
        with open(path, "rb") as fh:
            if a.tail:
                lines.extend(fh)
            else:
                while chunk := fh.read(1 << 20):
                    out.write(chunk)
            offset = fh.tell()
    elif rec.status.is_final and rec.log_dropped and not rec.log_bytes:
        fail(f"the log of run {rec.id} was never written: {_lost(rec)}")
    elif rec.status.is_final:
        fail(f"the log file of run {rec.id} is gone ({path})")
    follower = LogFollower(path, offset)  # past the head of a capped log: its newest segment
    if not rec.status.is_final:  # a live capped log's newest output is in tail segments
        reads = iter(lambda: follower.read()[0], b"")  # a segment a read, as many as kept
        newest = b"".join(itertools.islice(reads, TAIL_SEGMENTS + 1))
        if a.tail:
            lines.extend(newest.splitlines(keepends=True))
        else:
            out.write(newest)
    out.write(b"".join(lines))
    out.flush()
    while a.follow and not rec.status.is_final:
        if rec.status.is_live and not host_alive(store.locks_dir):
            recover_if_no_host(store)  # its host died: it ends as interrupted
        time.sleep(0.2)
        rec = through_outages(store, lambda: _run(a.run_id))  # once final, the file is whole
        out.write(follower.read()[0])
        out.flush()
    if rec.status.is_final and rec.log_dropped:
        # said beside the output too: a disk that refused writes to the run's end left no
        # note in the file
        warn(f"run {rec.id}: {_lost(rec)}")
    return 0


def _lost(rec: RunRecord) -> str:
    return (
        f"{human_bytes(rec.log_dropped)} of its output were not kept "
        "(beyond its log cap, or refused by the disk)"
    )


def _log_shipped(store: Store, rec: RunRecord, a: argparse.Namespace) -> int:
    """Another node's run: what it shipped into the database, followed until the run ends
    (read after the run: once final, its whole output is there)."""
    out = sys.stdout.buffer
    follower = ShippedFollower(rec)
    data = follower.read()
    if not data and rec.status.is_final and rec.log_bytes:
        fail(
            f"the output of run {rec.id} is not in the database; "
            f"its log is on node {rec.node} at {rec.log_path}"
        )
    if a.tail:
        data = b"".join(deque(data.splitlines(keepends=True), maxlen=a.tail))
    out.write(data)
    out.flush()
    while a.follow and not rec.status.is_final:
        time.sleep(0.2)
        rec = through_outages(store, lambda: _run(a.run_id))
        out.write(through_outages(store, follower.read))
        out.flush()
    return 0


def cmd_control(store: Store, a: argparse.Namespace) -> int:
    rec = _run(a.run_id)
    control = Control(a.verb)
    if rec.status.is_final:
        fail(f"run {rec.id} is already {rec.status}")
    if control is not Control.CANCEL:
        _check_pause_request(rec, control)
    if control is Control.CANCEL and rec.status is RunStatus.QUEUED:
        if cancel_queued(store, [rec]):
            print(f"run {rec.id} cancelled")
            return 0
    else:
        with store.db.atomic():
            run_claims.request_control(rec.uid, control)
        nudge(store.locks_dir)
    print(f"{control} requested for run {rec.id}; the host acts on it within a second")
    return 0


def cancel_queued(store: Store, recs: list[RunRecord]) -> int:
    """Cancel queued runs: in the store at once when no host holds them, else asked of the
    host (it acts within a second). Returns how many were cancelled at once."""
    left = recs
    if not host_alive(store.locks_dir):
        with store.write_transaction():  # unless a node claimed one meanwhile: then it acts
            shared = store.url is not None
            left = [r for r in recs if not run_claims.cancel_unclaimed(r, shared=shared)]
    if left:
        with store.write_transaction():
            queued = run_claims.still_queued([r.uid for r in left])
            for rec in left:
                if rec.uid in queued:
                    run_claims.request_control(rec.uid, Control.CANCEL)
        nudge(store.locks_dir)
    return len(recs) - len(left)


def _check_pause_request(rec: RunRecord, control: Control) -> None:
    """Pause a run that runs (or will, once a resume asked for is done), resume one that is
    paused (or will be); anything else is said, not requested."""
    live = (RunStatus.RUNNING, RunStatus.PAUSED)
    if rec.status not in live:
        fail(f"run {rec.id} is {rec.status}: only a running run can be paused or resumed")
    pending = {str(Control.PAUSE): RunStatus.PAUSED, str(Control.RESUME): RunStatus.RUNNING}
    will_be = pending.get(str(rec.control), rec.status)
    if control is Control.PAUSE and will_be is RunStatus.PAUSED:
        fail(f"run {rec.id} is already paused")
    if control is Control.RESUME and will_be is not RunStatus.PAUSED:
        fail(f"run {rec.id} is not paused")


def cmd_stats(store: Store, a: argparse.Namespace) -> int:
    scope = stats_repo.Scope(task_id=tasks_repo.history_id(a.task) if a.task else None, days=a.days)
    if a.node_filter is not None:
        _known_node_or_fail(a.node_filter)
    by_rows = a.host is not None or a.node_filter is not None  # daily rows are per task
    stats = (
        host_stats.run_stats(a.host, scope, a.node_filter)
        if by_rows
        else stats_repo.run_stats(scope)
    )
    if a.host is not None and not stats.total:
        _known_host_or_fail(a.host)
    days = [] if by_rows else stats_repo.day_rows(scope)
    per_day = [
        {"day": d.day, "total": sum(d.counts.values()), **d.counts, "success_rate": d.success_rate}
        for d in days
    ]
    if a.json:
        scoped = {"task": a.task, "days": a.days, **({"host": a.host} if a.host else {})}
        scoped |= {"node": a.node_filter} if a.node_filter else {}
        print_json({**scoped, **stats.to_json(), "per_day": per_day})
        return 0
    data = stats.to_json()
    rate = "n/a" if stats.success_rate is None else f"{stats.success_rate * 100:.1f} %"
    print(f"runs: {stats.total}  success rate: {rate}")
    print("  ".join(f"{k}: {data[k]}" for k in map(str, COUNTED_STATUSES)))
    d = data["duration"]
    print("duration  " + "  ".join(f"{k}: {human_duration(v) or 'n/a'}" for k, v in d.items()))
    return 0


STDOUT_NAMES = ("-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")  # written through fd 1


def cmd_export_runs(store: Store, a: argparse.Namespace) -> int:
    if a.out in STDOUT_NAMES:  # the runs are the output: the count goes to stderr
        n = run_export.write_runs(_filter(a), sys.stdout, ExportFormat(a.format))
        print(f"exported {n} run(s)", file=sys.stderr)
        return 0
    out = Path(a.out)
    n = run_export.export_runs(_filter(a), out, ExportFormat(a.format))  # written atomically
    print(f"exported {n} run(s) to {out}")
    return 0


def cmd_cleanup(store: Store, a: argparse.Namespace) -> int:
    if a.older_than is None and a.keep_per_task is None:
        fail("say what to delete: --older-than DAYS and/or --keep-per-task N")
    try:
        res = retention.cleanup(store, a.older_than, a.keep_per_task)
    except ValueError as exc:  # the parser checks the same ranges: a second line of defence
        fail(str(exc))
    if a.json:
        print_json(
            {
                "runs_deleted": res.runs_deleted,
                "log_bytes_freed": res.log_bytes_freed,
                "log_files_left": res.logs_left,
            }
        )
    else:
        print(
            f"deleted {res.runs_deleted} run(s), freed {human_bytes(res.log_bytes_freed)} of logs"
        )
    if res.logs_left:  # the runs are gone; their files stay where they are
        warn(
            f"{res.logs_left} log file(s) of deleted runs could not be deleted "
            f"(permissions?): they stay in {store.logs_dir}"
        )
    return 0


def cmd_storage(store: Store, a: argparse.Namespace) -> int:
    info = retention.storage_info(store)
    if a.json:
        print_json(info.to_json())
        return 0
    print(f"data dir: {info.data_dir}")
    print(f"database: {human_bytes(info.db_bytes)}  logs: {human_bytes(info.log_bytes)}")
    print(f"runs: {info.runs}  tasks: {info.tasks}")
    return 0
