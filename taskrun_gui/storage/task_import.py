"""Creating tasks from definitions read from TOML (core.toml_io): the one importer of the
window and the CLI.

An import is all or nothing: the caller runs it in one transaction, and a name that exists
stops it before anything is written unless the caller chose what to do with such names:
replace the task (a new version of it), import under a new name, or skip it; one choice for
all of them (the CLI's --replace, --rename, --skip-existing) or one per name (the window asks
per conflict). Messages name the file a taken name came from, when the caller says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from taskrun_gui.core.models import TaskSpec
from taskrun_gui.core.validation import MAX_NAME
from taskrun_gui.storage import task_links, tasks_repo
from taskrun_gui.storage.tasks_repo import TaskExistsError, TaskRow


class OnExisting(StrEnum):
    FAIL = "fail"  # nothing is imported
    REPLACE = "replace"  # a new version of the existing task
    RENAME = "rename"  # a new task, named "<name>-2" (or -3…)
    SKIP = "skip"  # the existing task stays as it is


class TasksExistError(TaskExistsError):
    """Some definitions name tasks that exist, and nothing was imported."""

    def __init__(self, names: list[str], sources: Mapping[str, str] | None = None) -> None:
        sources = sources or {}
        shown = [f"{n} (in {sources[n]})" if n in sources else n for n in names]
        super().__init__(f"task(s) already exist: {', '.join(shown)}")
        self.names = names


class ImportLinksError(ValueError):
    """The imported definitions chain or alert to what is not there, or chain in a cycle
    (which would run for ever): nothing was imported."""


@dataclass(frozen=True)
class Conflict:
    """A task file whose task name is taken: what the window asks about, one at a time."""

    name: str
    source: str  # the file it came from
    free_name: str  # the name a rename would give it now


def conflicts(read: list[tuple[str, TaskSpec]]) -> list[Conflict]:
    """The (file, spec) pairs whose name a task has already, in file order."""
    reserved = {spec.name for _source, spec in read}
    return [
        Conflict(spec.name, source, free_name(spec.name, reserved))
        for source, spec in read
        if tasks_repo.find(spec.name) is not None
    ]


@dataclass
class ImportResult:
    rows: list[TaskRow] = field(default_factory=list)  # created or replaced, in file order
    skipped: list[str] = field(default_factory=list)


def existing_names(specs: Iterable[TaskSpec]) -> list[str]:
    """The names among `specs` that are taken by a task already."""
    return [s.name for s in specs if tasks_repo.find(s.name) is not None]


def import_specs(
    specs: list[TaskSpec],
    on_existing: OnExisting | Mapping[str, OnExisting] = OnExisting.FAIL,
    sources: Mapping[str, str] | None = None,
    data_dir: Path | None = None,
) -> ImportResult:
    """Create (or replace, rename, skip) the tasks of `specs`: `on_existing` for every taken
    name, or per name (a taken name it does not list fails the import). `sources`: the file
    of each name, for the message. With `data_dir`, each imported task's chains and alert
    channels are then checked as `task add` checks them, the others imported with it
    included (ImportLinksError). Call inside a transaction: on an error part-way the
    caller's rollback leaves the store as it was."""
    taken = existing_names(specs)
    failing = [n for n in taken if _choice(on_existing, n) is OnExisting.FAIL]
    if failing:
        raise TasksExistError(failing, sources)
    result = ImportResult()
    replaced: dict[str, TaskSpec] = {}  # name -> the version an import replaced
    reserved = {s.name for s in specs}  # a rename never takes a name the import creates
    for spec in specs:
        row = tasks_repo.find(spec.name)
        chosen = _choice(on_existing, spec.name)
        if row is None:
            result.rows.append(tasks_repo.create(spec))
        elif chosen is OnExisting.REPLACE:
            replaced[spec.name] = row.spec
            result.rows.append(tasks_repo.save(row.id, spec))
        elif chosen is OnExisting.RENAME:
            new_name = free_name(spec.name, reserved)
            result.rows.append(tasks_repo.create(replace(spec, name=new_name)))
        else:
            result.skipped.append(spec.name)
    if data_dir is not None:
        _check_links(data_dir, result.rows, sources or {}, replaced)
    return result


def _check_links(
    data_dir: Path,
    rows: list[TaskRow],
    sources: Mapping[str, str],
    replaced: Mapping[str, TaskSpec],
) -> None:
    """As an edit is checked: what the replaced version already had is not refused (its
    own export restores it)."""
    found = [
        f"{sources.get(row.name, row.name)}: {problem}"
        for row in rows
        for problem in task_links.problems(data_dir, row.spec, None, replaced.get(row.name))
    ]
    if found:
        raise ImportLinksError("nothing imported: " + "; ".join(found[:5]))


def _choice(on_existing: OnExisting | Mapping[str, OnExisting], name: str) -> OnExisting:
    if isinstance(on_existing, Mapping):
        return on_existing.get(name, OnExisting.FAIL)
    return on_existing


def free_name(name: str, reserved: Iterable[str] = ()) -> str:
    """`name` with the first free "-N" suffix (N from 2), kept within the name length; a
    name in `reserved` (another task of the same import) is not free either."""
    taken = set(reserved)
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = name[: MAX_NAME - len(suffix)] + suffix
        if candidate not in taken and tasks_repo.find(candidate) is None:
            return candidate
        n += 1
