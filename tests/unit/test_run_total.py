"""The number of runs the history's first page shows over every run: on SQLite kept by
triggers (migration 17), the same as counting the rows after inserts, deletes (retention),
a refused duplicate and an upgrade of a history that already holds runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from peewee import IntegrityError

from taskrun_gui.core.models import RunRecord, TaskSpec, Trigger
from taskrun_gui.core.run_events import RunQueued
from taskrun_gui.engine import records
from taskrun_gui.storage import migrations, recorder, runs_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.runs_repo import RunFilter
from taskrun_gui.storage.schema import Run
from tests.helpers import add_task


def _queue(store: Store, n: int) -> list[RunRecord]:
    task = add_task(store, TaskSpec(name=f"t{runs_repo.count(RunFilter())}", command="true"))
    recs = []
    with store.db.atomic():
        for _ in range(n):
            rec = records.new_run(
                task.id, task.version, task.spec, {}, Trigger.MANUAL, store.logs_dir
            )
            rec.id = recorder.apply(RunQueued(rec))
            recs.append(rec)
    return recs


def _rows() -> int:
    return int(Run.select().count())


def test_the_count_of_every_run_follows_the_rows(store: Store) -> None:
    assert runs_repo.count(RunFilter()) == 0
    recs = _queue(store, 7)
    assert runs_repo.count(RunFilter()) == _rows() == 7
    with pytest.raises(IntegrityError), store.db.atomic():  # a replayed insert: refused
        recorder.apply(RunQueued(recs[0]))
    assert runs_repo.count(RunFilter()) == 7
    with store.db.atomic():  # retention
        Run.delete().where(Run.id.in_([r.id for r in recs[:3]])).execute()
    assert runs_repo.count(RunFilter()) == _rows() == 4
    _queue(store, 2)
    assert runs_repo.count(RunFilter()) == _rows() == 6
    assert runs_repo.count(RunFilter(task_id=recs[0].task_id)) == 4


def test_an_upgraded_history_counts_the_runs_it_had(store: Store, tmp_path: Path) -> None:
    _queue(store, 5)
    if store.backend.name == "sqlite":  # as the release before left it: no table, no triggers
        for sql in (
            "DROP TRIGGER run_total_insert",
            "DROP TRIGGER run_total_delete",
            "DROP TABLE run_total",
        ):
            store.db.execute_sql(sql)
    with store.write_transaction():
        store.backend.set_schema_version(
            store.db, migrations.MIGRATIONS.index(migrations._v17_run_total)
        )
    url = None if store.url is None else store.url.redacted()
    store.close()
    again = Store(tmp_path / "data", url).open()
    try:
        assert runs_repo.count(RunFilter()) == _rows() == 5
        _queue(again, 1)
        assert runs_repo.count(RunFilter()) == 6
    finally:
        again.close()


def test_a_replaced_row_is_counted_once(store: Store) -> None:
    if store.backend.name != "sqlite":
        pytest.skip("the count is kept by SQLite's triggers only")
    [rec] = _queue(store, 1)
    with store.db.atomic():  # a tool that writes with REPLACE: a delete and an insert
        store.db.execute_sql("REPLACE INTO run SELECT * FROM run WHERE id = ?", (rec.id,))
    assert runs_repo.count(RunFilter()) == _rows() == 1


def test_a_history_left_before_the_count_still_counts(store: Store) -> None:
    """An upgrade refused (another process held the write lock): the store opens at the
    version before, without run_total, and the first page still counts its runs."""
    _queue(store, 3)
    if store.backend.name == "sqlite":
        store.db.execute_sql("DROP TABLE run_total")
    assert runs_repo.count(RunFilter()) == _rows() == 3
