"""Tasks and their versions: every save is a full snapshot with a number and a content hash.

Specs come out with their secret defaults (kept in task_secrets, never in a row), so every
run, manual, CLI or scheduled, resolves the real values; whatever shows a spec masks them
(params.masked_spec). A spec saved with a secret default reading params.MASK keeps the
default the task has: a shown or exported definition can be saved back without the secret.
The content hash is that of the row's JSON, secret defaults masked: a version that changes
only a secret default is a new version (specs are compared with their secrets) with the
hash of the one before."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace

from peewee import fn

from taskrun_gui.core import notify_rules, spec_codec
from taskrun_gui.core import params as params_mod
from taskrun_gui.core.models import TaskSpec
from taskrun_gui.core.spec_diff import SpecChanges, compare_specs, diff_specs
from taskrun_gui.core.text import shorten
from taskrun_gui.core.timefmt import now_ms
from taskrun_gui.storage import backend, task_secrets
from taskrun_gui.storage.schema import Task, TaskVersion


class TaskNotFoundError(LookupError):
    pass


class TaskExistsError(ValueError):
    pass


@dataclass
class TaskRow:
    id: int
    name: str
    spec: TaskSpec
    version: int
    created_at: int
    updated_at: int
    next_fire_at: int | None
    last_fire_at: int | None


@dataclass
class VersionRow:
    number: int
    content_hash: str
    created_at: int
    spec: TaskSpec


def _dumps(definition: dict[str, object]) -> str:
    return json.dumps(definition, sort_keys=True, indent=1)


def spec_json(spec: TaskSpec) -> str:
    """The JSON a row keeps: secret defaults masked."""
    return _stored(spec)[0]


def content_hash(spec: TaskSpec) -> str:
    return _hash(spec_json(spec))


def _hash(stored_json: str) -> str:
    return hashlib.sha256(stored_json.encode()).hexdigest()[:16]


def _stored(spec: TaskSpec) -> tuple[str, dict[str, str]]:
    """The row's JSON and the secret defaults taken out of it."""
    definition = spec_codec.to_data(spec)
    secrets = task_secrets.take_from(definition)
    return _dumps(definition), secrets


def _loaded(task_id: int, number: int, stored_json: str) -> TaskSpec:
    """A row's spec with its secret defaults read back (only a spec that has one reads)."""
    source = f"task {task_id} version {number}"
    spec = spec_codec.spec_from_data(json.loads(stored_json), source, unknown="ignore")
    if not any(p.secret and p.default == params_mod.MASK for p in spec.params):
        return spec
    kept = task_secrets.read(task_secrets.folder_of(), task_id, number)
    return replace(spec, params=params_mod.keep_masked_defaults(spec.params, kept))


def _same(a: TaskSpec, b: TaskSpec) -> bool:
    return _dumps(spec_codec.to_data(a)) == _dumps(spec_codec.to_data(b))


def _row(task: Task) -> TaskRow:
    return TaskRow(
        id=task.id,
        name=task.name,
        spec=_loaded(task.id, task.current_version, task.spec_json),
        version=task.current_version,
        created_at=task.created_at,
        updated_at=task.updated_at,
        next_fire_at=task.next_fire_at,
        last_fire_at=task.last_fire_at,
    )


def get(name_or_id: str | int) -> TaskRow:
    if isinstance(name_or_id, int):
        task = Task.get_or_none((Task.id == name_or_id) & Task.deleted_at.is_null())
    else:
        task = Task.get_or_none((Task.name == name_or_id) & Task.deleted_at.is_null())
    if task is None:
        raise TaskNotFoundError(f"no task named {shorten(str(name_or_id))!r}")
    return _row(task)


def history_id(name: str) -> int:
    """The id whose runs `--task NAME` means in the history: the live task's, else that of
    the task of this name deleted last (its history is kept, and asked for by its name)."""
    live = find(name)
    if live is not None:
        return live.id
    gone = Task.select(Task.id).where(Task.name == name).order_by(Task.deleted_at.desc()).first()
    if gone is None:
        raise TaskNotFoundError(f"no task named {shorten(name)!r}")
    return int(gone.id)


def find(name: str) -> TaskRow | None:
    try:
        return get(name)
    except TaskNotFoundError:
        return None


def is_deleted(task_id: int) -> bool:
    """The task was deleted (its history is kept): nothing of it starts again."""
    return bool(Task.select().where(Task.id == task_id, Task.deleted_at.is_null(False)).exists())


def stamp() -> tuple[int, int, int, int]:
    """What changes when any task is added, saved or removed, or its next fire time set,
    by any process: (tasks, removed ones, versions added up, next fires added up), read in
    one pass over a small table. No clock in it: a node whose clock is behind still
    changes it."""
    count, removed, versions, fires = backend.read(
        "SELECT COUNT(*), COUNT(deleted_at), COALESCE(SUM(current_version), 0),"
        " COALESCE(SUM(next_fire_at), 0) FROM task"
    ).fetchone()
    return int(count), int(removed), int(versions), int(fires)


def list_all() -> list[TaskRow]:
    return [_row(t) for t in Task.select().where(Task.deleted_at.is_null()).order_by(Task.name)]


def _exists(name: str) -> TaskExistsError:
    return TaskExistsError(f"a task named {shorten(name)!r} already exists")


def create(spec: TaskSpec) -> TaskRow:
    """Insert a task with version 1. Call inside a transaction."""
    if find(spec.name) is not None:
        raise _exists(spec.name)
    spec = replace(spec, params=params_mod.keep_masked_defaults(spec.params, {}))
    stored, secrets = _stored(spec)
    now = now_ms()
    task = Task.create(
        name=spec.name,
        spec_json=stored,
        current_version=1,
        enabled=spec.enabled,
        priority=spec.priority,
        tags=",".join(spec.tags),
        created_at=now,
        updated_at=now,
    )
    TaskVersion.create(
        task=task, number=1, spec_json=stored, content_hash=_hash(stored), created_at=now
    )
    task_secrets.write(task_secrets.folder_of(), task.id, 1, secrets)  # after the rows: see save
    return _row(task)


def save(task_id: int, spec: TaskSpec) -> TaskRow:
    """Save a new version; an unchanged definition keeps the current version."""
    task = Task.get_or_none((Task.id == task_id) & Task.deleted_at.is_null())
    if task is None:
        raise TaskNotFoundError(f"no task with id {task_id}")
    if spec.name != task.name and find(spec.name) is not None:
        raise _exists(spec.name)
    current = _row(task)
    kept = params_mod.secret_defaults(current.spec.params)
    spec = replace(spec, params=params_mod.keep_masked_defaults(spec.params, kept))
    if _same(spec, current.spec):
        return current
    stored, secrets = _stored(spec)
    now = now_ms()
    number = (
        TaskVersion.select(fn.MAX(TaskVersion.number)).where(TaskVersion.task == task_id).scalar()
        or 0
    ) + 1
    TaskVersion.create(
        task=task_id, number=number, spec_json=stored, content_hash=_hash(stored), created_at=now
    )
    # after the insert: this transaction holds the write lock, no other save has this number
    task_secrets.write(task_secrets.folder_of(), task_id, number, secrets)
    renamed_from = task.name if spec.name != task.name else None
    task.name = spec.name
    task.spec_json = stored
    task.current_version = number
    task.enabled = spec.enabled
    task.priority = spec.priority
    task.tags = ",".join(spec.tags)
    task.updated_at = now
    task.save()
    if renamed_from is not None:
        _retarget(renamed_from, spec.name, task_id)
    return _row(task)


def _retarget(old: str, new: str, renamed: int) -> None:
    """Task `renamed` went from `old` to `new`: the other tasks' chain rules that start it
    follow the new name (each such task saved as a new version, in the same transaction)."""
    for row in list_all():
        if row.id == renamed:
            continue
        moved = [_then_renamed(text, old, new) for text in row.spec.then]
        if moved != list(row.spec.then):
            save(row.id, replace(row.spec, then=moved))


def _then_renamed(text: str, old: str, new: str) -> str:
    try:
        event, target = notify_rules.parse_then(text)
    except ValueError:
        return text
    return f"{event}:{new}" if target == old else text


def delete(task_id: int) -> None:
    """Soft delete: the task leaves every list, its history stays."""
    Task.update(deleted_at=now_ms(), next_fire_at=None).where(Task.id == task_id).execute()


def versions(task_id: int) -> list[VersionRow]:
    rows = (
        TaskVersion.select().where(TaskVersion.task == task_id).order_by(TaskVersion.number.desc())
    )
    return [
        VersionRow(r.number, r.content_hash, r.created_at, _loaded(task_id, r.number, r.spec_json))
        for r in rows
    ]


def version_spec(task_id: int, number: int) -> TaskSpec:
    row = TaskVersion.get_or_none((TaskVersion.task == task_id) & (TaskVersion.number == number))
    if row is None:
        task = Task.get_or_none(Task.id == task_id)
        named = f"task {task.name!r}" if task is not None else f"task {task_id}"
        raise TaskNotFoundError(f"{named} has no version {number}")
    return _loaded(task_id, number, row.spec_json)


def diff(task_id: int, a: int, b: int) -> str:
    """Unified diff of two versions: the definition fields, then the script text."""
    old, new = version_spec(task_id, a), version_spec(task_id, b)
    return diff_specs(old, new, f"v{a}", f"v{b}")


def changes(task_id: int, a: int, b: int) -> SpecChanges:
    """The same comparison field by field, with the script's own diff (see core.spec_diff)."""
    old, new = version_spec(task_id, a), version_spec(task_id, b)
    return compare_specs(old, new, f"v{a}", f"v{b}")


def rollback(task_id: int, number: int) -> TaskRow:
    """A new version whose content is that of version `number`."""
    spec = version_spec(task_id, number)
    current = get(task_id)
    spec.name = current.name
    return save(task_id, spec)


def claim_fire(
    task_id: int, seen_last: int | None, next_fire_at: int | None, last_fire_at: int
) -> bool:
    """Take the fire at `last_fire_at` of a task whose last fire this host read as
    `seen_last`: True when no other host took it first (a compare-and-set, in the caller's
    write transaction; on a shared history every node's scheduler sees the same fire)."""
    seen = Task.last_fire_at.is_null() if seen_last is None else Task.last_fire_at == seen_last
    updated = (
        Task.update(next_fire_at=next_fire_at, last_fire_at=last_fire_at)
        .where((Task.id == task_id) & seen)
        .execute()
    )
    return bool(updated)


def set_fire_times(task_id: int, next_fire_at: int | None, last_fire_at: int | None) -> None:
    Task.update(next_fire_at=next_fire_at, last_fire_at=last_fire_at).where(
        Task.id == task_id
    ).execute()
