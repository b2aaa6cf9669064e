"""Migrations: the same versioned steps on both backends, the version kept where the backend
keeps it (SQLite's user_version, PostgreSQL's schema_version table), each step once."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskrun_gui.core.models import TaskSpec, Trigger
from taskrun_gui.core.run_events import RunQueued, RunStarted
from taskrun_gui.core.timefmt import now_ms
from taskrun_gui.engine import records
from taskrun_gui.storage import backend, migrations, recorder, runs_repo
from taskrun_gui.storage.db import Store
from tests.helpers import add_task


def _reopen(store: Store, tmp_path: Path) -> Store:
    url = None if store.url is None else store.url.redacted()
    store.close()
    return Store(tmp_path / "data", url).open()


def test_a_new_store_is_at_the_newest_version(store: Store) -> None:
    assert store.backend.schema_version(store.db) == migrations.SCHEMA_VERSION
    if store.backend.name == "postgresql":
        rows = store.db.execute_sql("SELECT version FROM schema_version").fetchall()
        assert rows == [(migrations.SCHEMA_VERSION,)]
    assert "log_dropped" in store.backend.column_names(store.db, "run")


def test_an_appended_step_runs_once_on_the_next_open(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What another branch's step looks like (ALTER TABLE ADD COLUMN with a default): it
    runs on either backend, once, and the version moves on by one."""
    calls: list[int] = []

    def _v_next_run_note(db) -> None:  # type: ignore[no-untyped-def]
        calls.append(1)
        migrations.add_column(db, "run", "note", "TEXT NOT NULL DEFAULT ''")

    steps = [*migrations.MIGRATIONS, _v_next_run_note]
    monkeypatch.setattr(migrations, "MIGRATIONS", steps)
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", len(steps))
    store = _reopen(store, tmp_path)
    assert calls == [1]
    assert "note" in backend.of(store.db).column_names(store.db, "run")
    assert store.backend.schema_version(store.db) == len(steps)
    store = _reopen(store, tmp_path)
    assert calls == [1]  # already there: not again
    store.close()


def test_a_newer_taskruns_history_is_refused(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.write_transaction():
        store.backend.set_schema_version(store.db, migrations.SCHEMA_VERSION + 1)
    with pytest.raises(migrations.SchemaTooNewError, match="newer than this TaskRun"):
        _reopen(store, tmp_path)


def test_a_process_start_time_keeps_its_fraction_after_the_upgrade(
    store: Store, tmp_path: Path
) -> None:
    """A history made before the float columns were double precision (PostgreSQL's REAL kept
    a start time to 128 s) is upgraded in place: the time a recovery checks a process by
    comes back as written."""
    step = migrations.MIGRATIONS.index(migrations._v15_double_floats)
    if store.backend.name == "postgresql":
        for table, column in migrations.DOUBLE_COLUMNS:
            store.db.execute_sql(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE REAL")
    with store.write_transaction():
        store.backend.set_schema_version(store.db, step)  # as the older release left it
    store = _reopen(store, tmp_path)
    assert store.backend.schema_version(store.db) == migrations.SCHEMA_VERSION
    task = add_task(store, TaskSpec(name="t", command="true"))
    rec = records.new_run(task.id, task.version, task.spec, {}, Trigger.MANUAL, store.logs_dir)
    with store.db.atomic():
        recorder.apply(RunQueued(rec))
        recorder.apply(RunStarted(rec.uid, now_ms(), 4242, 4242, 1764600000.37))
    assert runs_repo.get_by_uid(rec.uid).proc_create_time == 1764600000.37
    store.close()
