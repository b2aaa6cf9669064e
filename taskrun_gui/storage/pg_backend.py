"""The PostgreSQL backend (see backend.Backend): a history shared by several machines, on a
server people already run, through peewee's PostgresqlDatabase and psycopg2.

Writes keep SQLite's rule of one writer at a time: every transaction TaskRun begins takes a
transaction-level advisory lock first (released at COMMIT or ROLLBACK, or when a dead
client's connection goes), so a finish's read-modify-write of its task's daily histogram
never races another process's. Waiting for it is bounded like SQLite's busy timeout
(lock_timeout), and a refusal is an OperationalError as there.

Day bucketing in SQL uses the session's time zone, set at connect to this machine's zone,
as SQLite's 'localtime' does.

Run slots (a task's max_concurrent, the history-wide limit of runs at once) are session-level
advisory locks on a connection of the node's own (pg_slots), so they hold over every node and
a dead node's slots are freed by the server."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from peewee import Database, PostgresqlDatabase

from taskrun_gui.storage.backend import Cursor
from taskrun_gui.storage.pg_slots import PgSlots, slot_connection
from taskrun_gui.storage.sqlite_wait import BUSY_TIMEOUT_MS, LockWait

WRITE_LOCK_KEY = 0x7461736B72756E  # "taskrun": the advisory lock every write transaction takes
SQLITE_LOCK_TYPES = ("DEFERRED", "IMMEDIATE", "EXCLUSIVE")


@lru_cache(maxsize=512)
def native_sql(sql: str) -> str:
    """`?` placeholders as psycopg2's %s (a literal % doubled first)."""
    return sql.replace("%", "%%").replace("?", "%s")


def local_zone() -> str | None:
    """This machine's IANA time zone name ($TZ, else where /etc/localtime points), or None
    when it cannot be told (the server's zone is used then)."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name and "/" in name and not name.startswith("/"):
        return name
    try:
        target = os.path.realpath("/etc/localtime")
    except OSError:
        return None
    marker = "/zoneinfo/"
    return target.split(marker, 1)[1] if marker in target else None


class TaskRunPostgresDatabase(PostgresqlDatabase):
    """PostgresqlDatabase whose transactions take the write lock first (see module doc)."""

    def __init__(self, database: str, secrets_dir: Path, **kwargs: Any) -> None:
        self.backend = POSTGRES
        self.secrets_dir = secrets_dir  # task_secrets: kept in the data dir, not the server
        super().__init__(database, **kwargs)

    def wait_for_lock(self, wait: LockWait | None) -> None:
        """The advisory lock waits up to the busy timeout on every thread (no budget)."""

    def _initialize_connection(self, conn: Any) -> None:
        with conn.cursor() as cur:
            cur.execute(f"SET lock_timeout = {int(BUSY_TIMEOUT_MS)}")
            if (zone := local_zone()) is not None:
                cur.execute("SET TIME ZONE %s", (zone,))

    def begin(self, isolation_level: Any = None) -> None:
        if isolation_level in SQLITE_LOCK_TYPES:  # atomic("IMMEDIATE"): this lock is that
            isolation_level = None
        super().begin(isolation_level)
        self.cursor().execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))


class PostgresBackend:
    name = "postgresql"

    def execute(self, db: Database, sql: str, params: Sequence[Any] = ()) -> Cursor:
        cursor: Cursor = db.execute_sql(native_sql(sql), tuple(params))
        return cursor

    def insert_id(self, db: Database, sql: str, params: Sequence[Any]) -> int:
        return int(self.execute(db, f"{sql} RETURNING id", params).fetchone()[0])

    @contextmanager
    def raw_transaction(self, db: Database) -> Iterator[None]:
        with db.atomic():
            yield

    def write_transaction(self, db: Database) -> Any:
        return db.atomic()

    def change_counter(self, db: Database) -> int | None:
        return None  # other nodes commit unseen: the writer reads its cache again per batch

    def schema_version(self, db: Database) -> int:
        if db.execute_sql("SELECT to_regclass('schema_version')").fetchone()[0] is None:
            return 0
        row = db.execute_sql("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def set_schema_version(self, db: Database, version: int) -> None:
        """In the migration's transaction (under the write lock): the table is made by the
        first migration that needs it."""
        db.execute_sql("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        db.execute_sql("DELETE FROM schema_version")
        db.execute_sql("INSERT INTO schema_version (version) VALUES (%s)", (int(version),))

    def column_names(self, db: Database, table: str) -> set[str]:
        rows = db.execute_sql(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = %s",
            (table,),
        )
        return {str(row[0]) for row in rows}

    def local_day(self, epoch_ms_sql: str) -> str:
        return f"to_char(to_timestamp({epoch_ms_sql} / 1000.0), 'YYYY-MM-DD')"

    def filter_only(self, column: str) -> str:
        return f"({column} || '')"  # an expression: no index on the column is considered

    def joined(self, expr: str, sep: str) -> str:
        return f"string_agg(({expr})::text, '{sep}')"

    def task_slots(self, db: Database, locks_dir: Path) -> PgSlots:
        """Over every node: advisory locks on a connection of this node's own (pg_slots);
        this machine's file locks in `locks_dir` while the server cannot be reached."""
        assert isinstance(db, PostgresqlDatabase)
        return PgSlots(slot_connection(str(db.database), dict(db.connect_params)), locks_dir)

    def now_ms_sql(self) -> str:
        return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"


POSTGRES = PostgresBackend()
