"""What differs between the databases a history can live in, behind one small interface.

Repositories write their queries through peewee (portable) or, where the ORM costs more than
the statement (the writer's run operations, the trends' aggregates), as plain SQL with `?`
placeholders. Everything a database does its own way is asked of the Backend of the bound
database: the raw statement, the id of a row just inserted, the transaction that takes the
write lock first, the "someone else committed" counter, the schema version, the local-day
bucketing of an epoch-ms column, a planner hint, the task slots. SQLite's is
sqlite_backend.SQLITE; a second database is a second implementation, not an edit of every
module.

The database itself stays bound through peewee's DatabaseProxy (schema.database_proxy): the
repositories are module functions called from every front end, and passing a handle to each
would rewrite all their callers for no behaviour. `current()` is the one place that reads it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from peewee import Database

from taskrun_gui.storage.schema import database_proxy


class Cursor(Protocol):
    """The part of a DB-API cursor the repositories use."""

    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class SlotLock(Protocol):
    def release(self) -> None: ...


class Slots(Protocol):
    """The run slots of one host: `max_concurrent` of a task (and, on a shared history, its
    limit of runs at once) hold across every process that shares the history."""

    def acquire(self, task_id: int, max_concurrent: int) -> SlotLock | None:
        """A free slot of the task, or None when all are taken (here or elsewhere)."""
        ...

    def acquire_on(self, host: str, task_id: int, max_concurrent: int) -> SlotLock | None:
        """A free slot of the task on another machine (`max_concurrent` holds per target)."""
        ...

    def close(self) -> None: ...


class Backend(Protocol):
    name: str  # "sqlite", "postgresql": what a message or a benchmark calls it

    def execute(self, db: Database, sql: str, params: Sequence[Any] = ()) -> Cursor:
        """A plain statement with `?` placeholders on this thread's connection (peewee's
        errors), bypassing the ORM for the hot paths."""
        ...

    def insert_id(self, db: Database, sql: str, params: Sequence[Any]) -> int:
        """Run an INSERT of one row into a table with an `id` column; that row's id."""
        ...

    def raw_transaction(self, db: Database) -> AbstractContextManager[None]:
        """A write transaction as plain statements (the writer's batches), taking the write
        lock at its start where the database has one."""
        ...

    def write_transaction(self, db: Database) -> AbstractContextManager[Any]:
        """peewee's atomic(), taking the write lock at its start (SQLite: BEGIN IMMEDIATE,
        so the busy timeout applies to the whole transaction, not to its first write)."""
        ...

    def change_counter(self, db: Database) -> int | None:
        """A number that changes when another connection commits (None: this database
        cannot say, so what a writer caches must be read again every batch)."""
        ...

    def schema_version(self, db: Database) -> int: ...

    def set_schema_version(self, db: Database, version: int) -> None: ...

    def column_names(self, db: Database, table: str) -> set[str]: ...

    def local_day(self, epoch_ms_sql: str) -> str:
        """SQL for the local calendar day (YYYY-MM-DD) of an epoch-ms expression."""
        ...

    def filter_only(self, column: str) -> str:
        """`column` as a filter the planner must not pick an index for (SQLite: +column)."""
        ...

    def joined(self, expr: str, sep: str) -> str:
        """SQL aggregating `expr` over the rows as text joined by `sep` (a literal without
        quotes); several in one SELECT see the rows in the same order."""
        ...

    def task_slots(self, db: Database, locks_dir: Path) -> Slots:
        """The run slots of this host: per machine (file locks in `locks_dir`) where the
        history is one machine's, over every node where it is shared."""
        ...

    def now_ms_sql(self) -> str:
        """SQL for the database's own clock in epoch ms (a heartbeat and a lease are judged
        by it, not by the nodes' clocks)."""
        ...


def of(db: Database) -> Backend:
    """The backend of a database TaskRun opened (each of its database classes names it)."""
    found: Backend | None = getattr(db, "backend", None)
    if found is None:
        from taskrun_gui.storage.sqlite_backend import SQLITE  # a plain SqliteDatabase

        return SQLITE
    return found


def current() -> Backend:
    """The backend of the history the repositories are bound to."""
    return of(database_proxy.obj)


def marks(count: int) -> str:
    """`count` placeholders for an IN (...) list."""
    return ", ".join("?" * count)


def query(sql: str, params: Sequence[Any] = ()) -> Cursor:
    """A plain statement (`?` placeholders) on the bound history, through its backend."""
    db = database_proxy.obj
    return of(db).execute(db, sql, params)


def read(sql: str, params: Sequence[Any] = ()) -> Cursor:
    """`query` for a read whose statement peewee logs like its own (on SQLite `query`
    leaves peewee out, for the writer's thousands a second): the Trends and statistics
    queries, whose plans tests/unit/test_trends_repo.py checks from that log."""
    db = database_proxy.obj
    backend = of(db)
    if backend.name == "sqlite":
        cursor: Cursor = db.execute_sql(sql, params)
        return cursor
    return backend.execute(db, sql, params)
