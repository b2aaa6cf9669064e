"""Versioned schema migrations, tracked in SQLite's user_version.

Each step runs in its own transaction and is never edited once released: a later change is a
new step, so upgrading never loses history."""

from __future__ import annotations

from collections.abc import Callable

from peewee import SqliteDatabase

from taskrun_gui.storage.schema import ALL_TABLES


def _v1_initial(db: SqliteDatabase) -> None:
    db.create_tables(ALL_TABLES, safe=True)
    for sql in (
        # one live task per name; deleted tasks keep their history under the old name
        "CREATE UNIQUE INDEX IF NOT EXISTS task_live_name ON task(name) WHERE deleted_at IS NULL",
        # keyset paging newest first: all runs, per task, per status, per task and status
        "CREATE INDEX IF NOT EXISTS run_task_id ON run(task_id, id)",
        "CREATE INDEX IF NOT EXISTS run_status_id ON run(status, id)",
        "CREATE INDEX IF NOT EXISTS run_task_status_id ON run(task_id, status, id)",
        # per-task time ranges (trends, stats) read only the index
        "CREATE INDEX IF NOT EXISTS run_task_finished ON run("
        "task_id, finished_at, status, duration_ms)",
        "CREATE INDEX IF NOT EXISTS run_finished ON run(finished_at)",
        "CREATE INDEX IF NOT EXISTS run_control ON run(control) WHERE control IS NOT NULL",
        "CREATE INDEX IF NOT EXISTS task_day_day ON task_day(day)",
    ):
        db.execute_sql(sql)


MIGRATIONS: list[Callable[[SqliteDatabase], None]] = [_v1_initial]
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNewError(RuntimeError):
    pass


def migrate(db: SqliteDatabase) -> int:
    """Bring the schema to SCHEMA_VERSION; returns the version found before."""
    found = int(db.execute_sql("PRAGMA user_version").fetchone()[0])
    if found > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"the history database has schema version {found}, newer than this TaskRun "
            f"({SCHEMA_VERSION}); upgrade TaskRun"
        )
    for version in range(found + 1, SCHEMA_VERSION + 1):
        with db.atomic():
            MIGRATIONS[version - 1](db)
            db.execute_sql(f"PRAGMA user_version = {version}")
    return found
