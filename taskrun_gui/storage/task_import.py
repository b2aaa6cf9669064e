"""Creating tasks from definitions read from TOML (core.toml_io): the one importer of the
window and the CLI.

An import is all or nothing: the caller runs it in one transaction, and a name that exists
stops it before anything is written unless the caller chose what to do with such names:
replace the task (a new version of it), import under a new name, or skip it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from taskrun_gui.core.models import TaskSpec
from taskrun_gui.core.validation import MAX_NAME
from taskrun_gui.storage import tasks_repo
from taskrun_gui.storage.tasks_repo import TaskExistsError, TaskRow


class OnExisting(StrEnum):
    FAIL = "fail"  # nothing is imported
    REPLACE = "replace"  # a new version of the existing task
    RENAME = "rename"  # a new task, named "<name>-2" (or -3…)
    SKIP = "skip"  # the existing task stays as it is


class TasksExistError(TaskExistsError):
    """Some definitions name tasks that exist, and nothing was imported."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(f"task(s) already exist: {', '.join(names)}")
        self.names = names


@dataclass
class ImportResult:
    rows: list[TaskRow] = field(default_factory=list)  # created or replaced, in file order
    skipped: list[str] = field(default_factory=list)


def existing_names(specs: Iterable[TaskSpec]) -> list[str]:
    """The names among `specs` that are taken by a task already."""
    return [s.name for s in specs if tasks_repo.find(s.name) is not None]


def import_specs(specs: list[TaskSpec], on_existing: OnExisting = OnExisting.FAIL) -> ImportResult:
    """Create (or replace, rename, skip) the tasks of `specs`. Call inside a transaction: on
    an error part-way the caller's rollback leaves the store as it was."""
    taken = existing_names(specs)
    if taken and on_existing is OnExisting.FAIL:
        raise TasksExistError(taken)
    result = ImportResult()
    for spec in specs:
        row = tasks_repo.find(spec.name)
        if row is None:
            result.rows.append(tasks_repo.create(spec))
        elif on_existing is OnExisting.REPLACE:
            result.rows.append(tasks_repo.save(row.id, spec))
        elif on_existing is OnExisting.RENAME:
            result.rows.append(tasks_repo.create(replace(spec, name=free_name(spec.name))))
        else:
            result.skipped.append(spec.name)
    return result


def free_name(name: str) -> str:
    """`name` with the first free "-N" suffix (N from 2), kept within the name length."""
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = name[: MAX_NAME - len(suffix)] + suffix
        if tasks_repo.find(candidate) is None:
            return candidate
        n += 1
