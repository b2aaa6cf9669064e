"""New runs of a task, as every front end queues them (the host here, or a client handing
them to the host that serves the data dir elsewhere)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import TYPE_CHECKING

from taskrun_gui.core import params as params_mod
from taskrun_gui.core.models import RunRecord, TaskSpec, Trigger
from taskrun_gui.core.nodes import ANY_NODE, node_name
from taskrun_gui.core.run_events import RunQueued
from taskrun_gui.engine import records
from taskrun_gui.storage.db import Store

if TYPE_CHECKING:  # a command that queues a run does not run it: no supervisor to import
    from taskrun_gui.engine.runner import RunJob


def secret_refusal(task_name: str, spec: TaskSpec, given: dict[str, str], node: str) -> str | None:
    """Why the secret values typed for a run cannot go with it to `node` (None: they can).
    A secret value never goes into the shared database, so one typed here cannot reach a
    run another node executes; that node takes its own (`task secret`)."""
    typed = sorted(set(given) & spec.secret_names())
    if not typed or node == node_name():
        return None
    how = f"`taskrun --node {node} task secret {task_name} {typed[0]}`"
    if node == ANY_NODE:
        return (
            f"{typed[0]}: a secret value cannot travel with a run queued for any node (it never"
            f" goes into the database); queue it for one node, or set it on each: "
            f"`taskrun --node NODE task secret {task_name} {typed[0]}`"
        )
    return (
        f"{typed[0]}: a secret value cannot travel to node {node} (it never goes into the "
        f"database); set it there: {how}"
    )


def new_jobs(
    store: Store,
    task_id: int,
    version: int,
    spec: TaskSpec,
    given: dict[str, str] | None,
    trigger: Trigger,
    repeat: int,
    priority: int | None,
    hosts: list[str] | None = None,
    parallel: int | None = None,
) -> list[RunJob]:
    """`repeat` new runs (on each of `hosts`, one batch of at most `parallel` at once, when
    given); raises params.ParamError for bad parameters."""
    from taskrun_gui.engine.runner import RunJob

    # the task's node, but for a batch on SSH hosts (driven from here) and "any" (a host of
    # this node has a slot now: it runs here, as `run --node any` serving itself does)
    node = spec.node if spec.node and spec.node != ANY_NODE and not hosts else None
    refused = None if node is None else secret_refusal(spec.name, spec, given or {}, node)
    if refused is not None:  # typed in the window for a task another node runs: never dropped
        raise params_mod.ParamError(refused)
    elsewhere = node is not None and node != node_name()  # that node has its own secrets
    values = params_mod.resolve(spec.params, given or {}, secrets_elsewhere=elsewhere)
    batch = uuid.uuid4().hex if hosts else None
    jobs = []
    places: list[str | None] = list(hosts) if hosts else [None]
    for host in places:
        for _ in range(max(1, repeat)):
            rec = records.new_run(
                task_id, version, spec, values, trigger, store.logs_dir, priority, node
            )
            if host is not None:
                rec.host, rec.batch, rec.batch_limit = host, batch, parallel
            jobs.append(RunJob(rec, spec, values))
    return jobs


def for_another_node(rec: RunRecord) -> bool:
    """Queued for a node other than this one (a task's node, TaskSpec.node): that node's
    host takes it from the store; one for any node, or from before runs had a node, is
    this host's to run once it has claimed it."""
    return rec.node not in (None, ANY_NODE, node_name())


def queued_event(rec: RunRecord) -> RunQueued:
    """The event that inserts a new run's row: a copy, as the caller's record goes on
    changing while the writer has not recorded it yet."""
    return RunQueued(replace(rec))
