"""A connection the PostgreSQL server dropped (a restart, an administrator, the network) is
dropped here too and opened again on the next use: the statement that met the break fails
as the store refusing (OperationalError, what the writer keeps records for), never as the
InterfaceError "connection already closed" peewee would hand out for ever after."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from peewee import OperationalError

from taskrun_gui.core.models import TaskSpec, Trigger
from taskrun_gui.core.run_events import RunQueued
from taskrun_gui.engine import records
from taskrun_gui.storage import runs_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import StoreWriter
from tests.helpers import add_task
from tests.pg_server import DBNAME, PgServer

ONE = "SELECT 1"


@pytest.fixture
def pg_store(tmp_path: Path, pg_url: str) -> Iterator[Store]:
    s = Store(tmp_path / "data", pg_url).open()
    yield s
    s.close()


def _cut(pg: PgServer) -> None:
    """The server ends every TaskRun connection to the test database, as a restart does,
    and is done with it on return (the timeout makes it wait until each backend is gone:
    without one it only signals them, and the next statement could still meet one)."""
    pg.psql(
        "SELECT pg_terminate_backend(pid, 30000) FROM pg_stat_activity"
        f" WHERE datname = '{DBNAME}' AND application_name = 'taskrun'"
    )


def test_a_read_after_a_break_reconnects(pg_store: Store, pg: PgServer) -> None:
    assert pg_store.db.execute_sql(ONE).fetchone() == (1,)
    _cut(pg)
    assert pg_store.db.execute_sql(ONE).fetchone() == (1,)  # sent again, on a new one
    _cut(pg)
    with pytest.raises(OperationalError):  # a write outside a transaction is not sent twice
        pg_store.db.execute_sql("CREATE TABLE scratch (x INTEGER)")
    assert pg_store.db.execute_sql(ONE).fetchone() == (1,)


def test_a_transaction_cut_short_fails_as_the_store_refusing(pg_store: Store, pg: PgServer) -> None:
    with pytest.raises(OperationalError), pg_store.write_transaction():
        pg_store.db.execute_sql(ONE)
        _cut(pg)
        pg_store.db.execute_sql(ONE)  # what was begun is gone: not retried quietly
    assert not pg_store.db.in_transaction()
    with pg_store.write_transaction():  # the next one on a new connection
        assert pg_store.db.execute_sql(ONE).fetchone() == (1,)


def test_the_writer_goes_on_across_a_break_untold(pg_store: Store, pg: PgServer) -> None:
    """The server stayed up: its next BEGIN is on a new connection, the record is written
    and nobody is told the store failed."""
    task = add_task(pg_store, TaskSpec(name="t", command="true"))
    told: list[tuple[bool, str]] = []
    writer = StoreWriter(pg_store, on_health=lambda ok, why: told.append((ok, why)))
    try:
        first = records.new_run(task.id, task.version, task.spec, {}, Trigger.MANUAL, Path("/l"))
        assert writer.submit(RunQueued(first)).result(30)
        _cut(pg)  # the writer's connection is gone; its next batch meets the break
        second = records.new_run(task.id, task.version, task.spec, {}, Trigger.MANUAL, Path("/l"))
        writer.submit(RunQueued(second))
        assert writer.flush(30)
    finally:
        writer.close()
    assert runs_repo.get_by_uid(second.uid) is not None
    assert told == []
