"""The SQLite backend (see backend.Backend): the embedded default history, one file in the
data dir shared by the processes of one machine."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import peewee
from peewee import Database

from taskrun_gui.storage.backend import Cursor
from taskrun_gui.storage.file_locks import TaskSlots

# sqlite3's errors raised as peewee's, like every other query of the store raises them
_AS_PEEWEE_ERRORS = peewee.__exception_wrapper__  # type: ignore[attr-defined]


class SqliteBackend:
    name = "sqlite"

    def execute(self, db: Database, sql: str, params: Sequence[Any] = ()) -> Cursor:
        with _AS_PEEWEE_ERRORS:
            cursor: Cursor = db.connection().execute(sql, params)
            return cursor

    def insert_id(self, db: Database, sql: str, params: Sequence[Any]) -> int:
        with _AS_PEEWEE_ERRORS:
            return int(db.connection().execute(sql, params).lastrowid or 0)

    @contextmanager
    def raw_transaction(self, db: Database) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT as plain statements: the writer commits once per batch
        of runs, and peewee's transaction bookkeeping would cost more than the statements.
        Nothing else may be in a transaction on this connection."""
        conn = db.connection()
        with _AS_PEEWEE_ERRORS:
            if conn.in_transaction:  # a ROLLBACK that failed earlier: start clean
                conn.execute("ROLLBACK")
            conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            with _AS_PEEWEE_ERRORS:
                conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                with suppress(sqlite3.Error):  # the error that got us here is the one to raise
                    conn.execute("ROLLBACK")
            raise

    def write_transaction(self, db: Database) -> Any:
        return db.atomic("IMMEDIATE")

    def change_counter(self, db: Database) -> int | None:
        """PRAGMA data_version: changes when another connection commits (not this one)."""
        return int(self.execute(db, "PRAGMA data_version").fetchone()[0])

    def schema_version(self, db: Database) -> int:
        return int(db.execute_sql("PRAGMA user_version").fetchone()[0])

    def set_schema_version(self, db: Database, version: int) -> None:
        db.execute_sql(f"PRAGMA user_version = {int(version)}")

    def column_names(self, db: Database, table: str) -> set[str]:
        return {str(row[1]) for row in db.execute_sql(f"PRAGMA table_info({table})")}

    def local_day(self, epoch_ms_sql: str) -> str:
        return f"date({epoch_ms_sql} / 1000, 'unixepoch', 'localtime')"

    def filter_only(self, column: str) -> str:
        return f"+{column}"

    def joined(self, expr: str, sep: str) -> str:
        return f"group_concat({expr}, '{sep}')"

    def task_slots(self, db: Database, locks_dir: Path) -> TaskSlots:
        return TaskSlots(locks_dir)

    def now_ms_sql(self) -> str:
        return "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"


SQLITE = SqliteBackend()
