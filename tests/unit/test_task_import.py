"""storage.task_import: the one importer, against a real store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from taskrun_gui.core.models import TaskSpec
from taskrun_gui.storage import task_import, tasks_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.task_import import OnExisting, TasksExistError


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "data").open()
    with store.db.atomic():
        tasks_repo.create(TaskSpec("backup", command="echo old"))
    yield store
    store.close()


def _import(store: Store, on_existing: OnExisting) -> task_import.ImportResult:
    specs = [TaskSpec("backup", command="echo new"), TaskSpec("report", command="echo r")]
    with store.db.atomic():
        return task_import.import_specs(specs, on_existing)


def commands() -> dict[str, str]:
    return {row.name: row.spec.command for row in tasks_repo.list_all()}


def test_a_taken_name_imports_nothing_by_default(store: Store) -> None:
    with pytest.raises(TasksExistError) as raised:
        _import(store, OnExisting.FAIL)
    assert raised.value.names == ["backup"]
    assert commands() == {"backup": "echo old"}


def test_replace_makes_a_new_version(store: Store) -> None:
    result = _import(store, OnExisting.REPLACE)
    assert [r.name for r in result.rows] == ["backup", "report"]
    assert commands() == {"backup": "echo new", "report": "echo r"}
    assert tasks_repo.get("backup").version == 2


def test_rename_and_skip(store: Store) -> None:
    renamed = _import(store, OnExisting.RENAME)
    assert [r.name for r in renamed.rows] == ["backup-2", "report"]
    skipped = _import(store, OnExisting.SKIP)
    assert (skipped.rows, skipped.skipped) == ([], ["backup", "report"])
    assert commands() == {"backup": "echo old", "backup-2": "echo new", "report": "echo r"}
    assert task_import.free_name("b" * 64).endswith("b-2")
    assert len(task_import.free_name("b" * 64)) == 64


def test_a_choice_per_name_and_the_file_in_the_refusal(store: Store) -> None:
    with store.db.atomic():
        tasks_repo.create(TaskSpec("report", command="echo old r"))
    specs = [
        TaskSpec("backup", command="echo new"),
        TaskSpec("report", command="echo r"),
        TaskSpec("backup-2", command="echo b2"),  # a rename of backup must not take this
    ]
    sources = {"backup": "/defs/backup.toml", "report": "/defs/report.toml"}
    with pytest.raises(TasksExistError) as raised, store.db.atomic():
        task_import.import_specs(specs, {"backup": OnExisting.RENAME}, sources)
    assert str(raised.value) == "task(s) already exist: report (in /defs/report.toml)"
    choices = {"backup": OnExisting.RENAME, "report": OnExisting.SKIP}
    with store.db.atomic():
        result = task_import.import_specs(specs, choices, sources)
    assert [r.name for r in result.rows] == ["backup-3", "backup-2"]
    assert result.skipped == ["report"]
    read = [(f"/defs/{s.name}.toml", s) for s in specs]
    assert [(c.name, c.source, c.free_name) for c in task_import.conflicts(read)] == [
        ("backup", "/defs/backup.toml", "backup-4"),
        ("report", "/defs/report.toml", "report-2"),
        ("backup-2", "/defs/backup-2.toml", "backup-2-2"),
    ]
