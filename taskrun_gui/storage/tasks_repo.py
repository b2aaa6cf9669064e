"""Tasks and their versions: every save is a full snapshot with a number and a content hash."""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass

from peewee import fn

from taskrun_gui.core.models import TaskSpec
from taskrun_gui.core.timefmt import now_ms
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


def spec_json(spec: TaskSpec) -> str:
    return json.dumps(spec.to_dict(), sort_keys=True, indent=1)


def content_hash(spec: TaskSpec) -> str:
    return hashlib.sha256(spec_json(spec).encode()).hexdigest()[:16]


def _row(task: Task) -> TaskRow:
    return TaskRow(
        id=task.id,
        name=task.name,
        spec=TaskSpec.from_dict(json.loads(task.spec_json)),
        version=task.current_version,
        created_at=task.created_at,
        updated_at=task.updated_at,
        next_fire_at=task.next_fire_at,
        last_fire_at=task.last_fire_at,
    )


def _live() -> object:
    return Task.deleted_at.is_null()


def get(name_or_id: str | int) -> TaskRow:
    if isinstance(name_or_id, int):
        task = Task.get_or_none((Task.id == name_or_id) & Task.deleted_at.is_null())
    else:
        task = Task.get_or_none((Task.name == name_or_id) & Task.deleted_at.is_null())
    if task is None:
        raise TaskNotFoundError(f"no task named {name_or_id!r}")
    return _row(task)


def find(name: str) -> TaskRow | None:
    try:
        return get(name)
    except TaskNotFoundError:
        return None


def list_all() -> list[TaskRow]:
    return [_row(t) for t in Task.select().where(Task.deleted_at.is_null()).order_by(Task.name)]


def create(spec: TaskSpec) -> TaskRow:
    """Insert a task with version 1. Call inside a transaction."""
    if find(spec.name) is not None:
        raise TaskExistsError(f"a task named {spec.name!r} already exists")
    now = now_ms()
    task = Task.create(
        name=spec.name,
        spec_json=spec_json(spec),
        current_version=1,
        enabled=spec.enabled,
        priority=spec.priority,
        tags=",".join(spec.tags),
        created_at=now,
        updated_at=now,
    )
    TaskVersion.create(
        task=task,
        number=1,
        spec_json=spec_json(spec),
        content_hash=content_hash(spec),
        created_at=now,
    )
    return _row(task)


def save(task_id: int, spec: TaskSpec) -> TaskRow:
    """Save a new version; an unchanged definition keeps the current version."""
    task = Task.get_or_none((Task.id == task_id) & Task.deleted_at.is_null())
    if task is None:
        raise TaskNotFoundError(f"no task with id {task_id}")
    if spec.name != task.name and find(spec.name) is not None:
        raise TaskExistsError(f"a task named {spec.name!r} already exists")
    if content_hash(spec) == content_hash(_row(task).spec):
        return _row(task)
    now = now_ms()
    number = (
        TaskVersion.select(fn.MAX(TaskVersion.number)).where(TaskVersion.task == task_id).scalar()
        or 0
    ) + 1
    TaskVersion.create(
        task=task_id,
        number=number,
        spec_json=spec_json(spec),
        content_hash=content_hash(spec),
        created_at=now,
    )
    task.name = spec.name
    task.spec_json = spec_json(spec)
    task.current_version = number
    task.enabled = spec.enabled
    task.priority = spec.priority
    task.tags = ",".join(spec.tags)
    task.updated_at = now
    task.save()
    return _row(task)


def delete(task_id: int) -> None:
    """Soft delete: the task leaves every list, its history stays."""
    Task.update(deleted_at=now_ms(), next_fire_at=None).where(Task.id == task_id).execute()


def versions(task_id: int) -> list[VersionRow]:
    rows = (
        TaskVersion.select().where(TaskVersion.task == task_id).order_by(TaskVersion.number.desc())
    )
    return [
        VersionRow(
            r.number, r.content_hash, r.created_at, TaskSpec.from_dict(json.loads(r.spec_json))
        )
        for r in rows
    ]


def version_spec(task_id: int, number: int) -> TaskSpec:
    row = TaskVersion.get_or_none((TaskVersion.task == task_id) & (TaskVersion.number == number))
    if row is None:
        raise TaskNotFoundError(f"task {task_id} has no version {number}")
    return TaskSpec.from_dict(json.loads(row.spec_json))


def diff(task_id: int, a: int, b: int) -> str:
    """Unified diff of two versions: the definition fields, then the script text."""
    old, new = version_spec(task_id, a), version_spec(task_id, b)
    return diff_specs(old, new, f"v{a}", f"v{b}")


def diff_specs(old: TaskSpec, new: TaskSpec, old_label: str, new_label: str) -> str:
    def lines(spec: TaskSpec) -> list[str]:
        data = spec.to_dict()
        script = data.pop("script", "")
        out = json.dumps(data, sort_keys=True, indent=2).splitlines(keepends=True)
        out = [line if line.endswith("\n") else line + "\n" for line in out]
        if script:
            out.append("--- script ---\n")
            out += [s if s.endswith("\n") else s + "\n" for s in script.splitlines(True)]
        return out

    return "".join(difflib.unified_diff(lines(old), lines(new), old_label, new_label))


def rollback(task_id: int, number: int) -> TaskRow:
    """A new version whose content is that of version `number`."""
    spec = version_spec(task_id, number)
    current = get(task_id)
    spec.name = current.name
    return save(task_id, spec)


def set_fire_times(task_id: int, next_fire_at: int | None, last_fire_at: int | None) -> None:
    Task.update(next_fire_at=next_fire_at, last_fire_at=last_fire_at).where(
        Task.id == task_id
    ).execute()
