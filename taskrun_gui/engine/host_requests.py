"""What the engine host does with requests that come from elsewhere than a click: a control
another process recorded on a run (cancel, pause, resume), a schedule's fire, a chain's next
run. Functions of the host, on its home thread; kept apart so host.py stays the queue."""

from __future__ import annotations

import functools
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from taskrun_gui.core import params as params_mod
from taskrun_gui.core import run_events
from taskrun_gui.core.hosts import HostError, select
from taskrun_gui.core.models import (
    Control,
    ErrorType,
    OverlapPolicy,
    RunRecord,
    RunStatus,
    TaskSpec,
    Trigger,
)
from taskrun_gui.core.nodes import ANY_NODE
from taskrun_gui.core.timefmt import now_ms
from taskrun_gui.engine.notify_service import Chained
from taskrun_gui.engine.queueing import new_jobs, queued_event
from taskrun_gui.engine.runner import RunJob
from taskrun_gui.engine.scheduler import Fire
from taskrun_gui.storage import hosts_repo, run_claims
from taskrun_gui.storage.writer import StoreWriter

if TYPE_CHECKING:
    from taskrun_gui.engine.host import EngineHost
    from taskrun_gui.engine.run_board import RunBoard

log = logging.getLogger(__name__)


def act_on_controls(host: EngineHost, recs: list[RunRecord]) -> None:
    for rec in recs:
        if rec.node == ANY_NODE:  # queued for any node and not claimed when it was read
            if rec.control is Control.CANCEL:
                host.writer.submit(functools.partial(run_claims.cancel_unclaimed, rec, True))
            continue  # a pause or resume waits for the node that claims it
        handled = False
        if rec.control is Control.CANCEL:
            handled = host.cancel(rec.uid)
        elif rec.control is Control.PAUSE:
            handled = host.pause(rec.uid)
        elif rec.control is Control.RESUME:
            handled = host.resume(rec.uid)
        if not handled or rec.control is not Control.CANCEL:
            # a request for a run this host does not hold, or one now being acted on
            host.writer.submit(run_events.ControlRequested(rec.uid, None))


def drop_lost(host: EngineHost, board: RunBoard, uids: list[str]) -> None:
    """Runs this host held that the shared history gave to others while it was cut off for
    longer than its lease (another node took it over, engine/node_watch.py): a queued one
    leaves the board unrecorded (another node may run it now), a running one is stopped
    (already recorded interrupted: its end is not recorded again)."""
    for uid in uids:
        running, job = board.cancel_target(uid)
        if running is not None:
            running.control.cancel()
        if running is not None or job is not None:
            log.warning("run %s was taken over by another node: no longer run here", uid)
    host.dispatch()


def start_fired(host: EngineHost, fires: list[Fire]) -> None:
    """Start the due scheduled runs, following each task's overlap policy."""
    for fire in fires:
        task, policy = fire.task, fire.task.spec.schedule.overlap
        busy = any(r.task_id == task.id for r in (*host.queue(), *host.running()))
        if busy and policy is OverlapPolicy.SKIP:
            log.info("schedule of %s skipped: a run is still going", task.name)
            continue
        waiting = any(r.task_id == task.id and r.trigger is Trigger.SCHEDULE for r in host.queue())
        if waiting and policy is OverlapPolicy.QUEUE:  # one waits its turn: never a backlog
            log.info("schedule of %s: a fire already waits for the run that goes", task.name)
            continue
        try:
            hosts = target_hosts(task.spec)
            host.enqueue(task.id, task.version, task.spec, {}, Trigger.SCHEDULE, hosts=hosts)
        except (params_mod.ParamError, HostError) as exc:
            log.warning("schedule of %s cannot run: %s", task.name, exc)


def target_hosts(spec: TaskSpec) -> list[str] | None:
    """The hosts a task's default targets name now (None: it runs on this machine), for the
    runs no one chose a place for: its schedule's and its chains'. Raises HostError when a
    target names nothing in the inventory any more."""
    if not spec.targets:
        return None
    return [h.name for h in select(hosts_repo.all_hosts(), spec.targets)]


def chained_jobs(host: EngineHost, chained: Chained) -> list[RunJob]:
    """On the notify thread: the run a chain starts, its row handed to the writer at once (so
    a host that stops now leaves it queued for the next one, not lost); the home thread then
    adopts it (`adopt_chained`). TRIGGER_RUN_ID, TRIGGER_STATUS and TRIGGER_TASK go in its
    environment, and in its parameters where the task declares them."""
    task = chained.task
    if not task.spec.enabled:
        log.info("chain to %s skipped: the task is disabled", task.name)
        return []
    spec = replace(task.spec, env={**task.spec.env, **chained.values})
    declared = {p.name for p in spec.params}
    given = {k: v for k, v in chained.values.items() if k in declared}
    try:
        hosts = target_hosts(spec)
        jobs = new_jobs(
            host.store, task.id, task.version, spec, given, Trigger.CHAIN, 1, None, hosts
        )
    except (params_mod.ParamError, HostError) as exc:
        log.warning("chain to %s cannot run: %s", task.name, exc)
        return []
    for job in jobs:
        job.record.triggered_by = chained.triggered_by
        host.writer.submit(queued_event(job.record), lazy=True)
    return jobs


def adopt_chained(host: EngineHost, jobs: list[RunJob]) -> None:
    """On the home thread: the chained runs onto this host's board (unless the poller found
    their rows first)."""
    for job in jobs:
        host.adopt(job)
    host.dispatch()


def internal_finish(writer: StoreWriter, queued: RunRecord, exc: Exception) -> RunRecord:
    """The end of a run whose worker crashed (left queued, the next host runs it again)."""
    final = replace(
        queued,
        status=RunStatus.ERROR,
        finished_at=now_ms(),
        error_type=ErrorType.INTERNAL,
        error_message=f"internal error: {exc}",
    )
    try:
        writer.submit(run_events.RunFinished.of(final), lazy=True)
    except Exception:
        log.exception("could not record the end of run %s", queued.uid)
    return final
