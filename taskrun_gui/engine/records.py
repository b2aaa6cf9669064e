"""Making run records: a queued run, and the next attempt of a failed one."""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from dataclasses import replace
from pathlib import Path

from taskrun_gui.core import params as params_mod
from taskrun_gui.core.models import RunRecord, RunStatus, TaskSpec, Trigger, retry_due
from taskrun_gui.core.nodes import node_name
from taskrun_gui.core.timefmt import now_ms
from taskrun_gui.engine.logsink import log_path_for
from taskrun_gui.storage import task_secrets


def new_run(
    task_id: int,
    version: int,
    spec: TaskSpec,
    values: dict[str, str],
    trigger: Trigger,
    logs_dir: Path,
    priority: int | None = None,
    node: str | None = None,
) -> RunRecord:
    """A queued run of this node (`node`: of that one, or of core.nodes.ANY_NODE)."""
    uid = uuid.uuid4().hex
    queued = now_ms()
    return RunRecord(
        uid=uid,
        task_id=task_id,
        task_name=spec.name,
        version=version,
        status=RunStatus.QUEUED,
        trigger=trigger,
        params=params_mod.masked(spec.params, values),
        priority=spec.priority if priority is None else priority,
        queued_at=queued,
        log_path=str(log_path_for(logs_dir, uid, queued)),
        node=node or node_name(),
    )


# the rule itself is core.models.retry_due (core.alerts asks it too); here for the engine's
# callers, and the statuses derived from their one declaration (RunStatus.is_retried)
RETRIED_STATUSES = frozenset(s for s in RunStatus if s.is_retried)

MAX_RETRY_DELAY_S = 86_400


def next_attempt(rec: RunRecord, spec: TaskSpec, logs_dir: Path) -> RunRecord | None:
    """The retry of a failed or timed-out run, waiting out its backoff; None when no retry
    is due. The backoff doubles each attempt."""
    if not retry_due(rec, spec):
        return None
    uid = uuid.uuid4().hex
    queued = now_ms()
    # doubled each attempt, at most a day: 100 retries must not overflow a timestamp
    delay_ms = int(
        min(MAX_RETRY_DELAY_S, spec.retry_backoff * 2 ** min(rec.attempt - 1, 40)) * 1000
    )
    return replace(
        rec,
        uid=uid,
        id=None,
        status=RunStatus.QUEUED,
        trigger=Trigger.RETRY,
        attempt=rec.attempt + 1,
        first_uid=rec.first_uid or rec.uid,
        queued_at=queued,
        not_before=queued + delay_ms,
        started_at=None,
        finished_at=None,
        duration_ms=None,
        paused_ms=0,  # the attempt retried was paused, the retry has not been yet
        exit_code=None,
        signal=None,
        error_type=None,
        error_message=None,
        pid=None,
        pgid=None,
        proc_create_time=None,
        peak_rss=None,
        cpu_seconds=None,
        log_path=str(log_path_for(logs_dir, uid, queued)),
        log_bytes=0,
        log_dropped=0,  # the attempt retried lost output, the retry has lost none yet
        log_error=None,
        slow=False,
        control=None,
        steps=[],
    )


def secrets_path(secrets_dir: Path, uid: str) -> Path:
    return secrets_dir / f"{uid}.json"


def save_secret_values(secrets_dir: Path, uid: str, spec: TaskSpec, values: dict[str, str]) -> None:
    """Secret parameter values of a run queued for another process (the host) to start: kept
    in a 0600 file in the 0700 data dir, never in the database, removed once read."""
    secret = {k: v for k, v in values.items() if k in spec.secret_names()}
    if not secret:
        return
    secrets_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = secrets_path(secrets_dir, uid)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(secret, fh)
    except OSError:  # a full disk: no empty or half-written file left behind
        with contextlib.suppress(OSError):
            path.unlink()
        raise


def load_secret_values(secrets_dir: Path, uid: str) -> dict[str, str]:
    path = secrets_path(secrets_dir, uid)
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()}


def stored_run_secrets(uid: str, secrets_dir: Path) -> list[str] | None:
    """The secret values run `uid` runs with, as its host found them (its secrets file, this
    node's own, the task version's secret defaults), to mask what is shown of it; None when
    the store cannot say (then nothing of it that could hold one is shown). Reads the store:
    off the UI thread."""
    from taskrun_gui.storage import runs_repo, tasks_repo

    try:
        rec = runs_repo.get_by_uid(uid)
        if rec is None:
            return None
        spec = tasks_repo.version_spec(rec.task_id, rec.version)
    except Exception:  # a busy store, a version gone
        return None
    given = {k: v for k, v in values_for(rec, secrets_dir).items() if v != params_mod.MASK}
    for p in spec.params:
        if p.secret and p.name not in given and p.default not in (None, params_mod.MASK):
            given[p.name] = str(p.default)
    return params_mod.secret_values(spec.params, given)


def drop_secret_values(secrets_dir: Path, uid: str) -> None:
    with contextlib.suppress(OSError):
        secrets_path(secrets_dir, uid).unlink()


def values_for(rec: RunRecord, secrets_dir: Path) -> dict[str, str]:
    """The real parameter values of a stored run: masked ones come from the run's secrets
    file (queued on this node), else from this node's own secrets of the task (`taskrun task
    secret`: a run queued on another node, whose file is on that machine). One found in
    neither stays masked: missing_secrets() names it and the run fails before it starts."""
    values = dict(rec.params)
    values.update(load_secret_values(secrets_dir, rec.uid))
    masked = [k for k, v in values.items() if v == params_mod.MASK]
    if masked:
        own = task_secrets.read_file(task_secrets.node_file(secrets_dir, rec.task_id))
        values.update({k: own[k] for k in masked if k in own})
    return values


def missing_secrets(spec: TaskSpec, rec: RunRecord, values: dict[str, str]) -> str | None:
    """Why a run cannot start here: a secret parameter it was queued with has no value on
    this node (one line naming the parameter and how to set it); None: none missing."""
    missing = [
        p.name
        for p in spec.params
        if p.secret and rec.params.get(p.name) == params_mod.MASK == values.get(p.name)
    ]
    if not missing:
        return None
    node = node_name()  # where it executes: this process's node
    return (
        f"secret parameter {missing[0]!r} has no value on node {node}: set it there with "
        f"`taskrun --node {node} task secret {spec.name} {missing[0]}`"
    )
