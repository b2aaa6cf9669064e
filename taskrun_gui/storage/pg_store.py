"""Opening a history kept in PostgreSQL: connect, migrate, say why not in one line.

The data dir still holds what is this machine's (logs of runs executed here, locks, the
spool, secret defaults); only the tables move to the server."""

from __future__ import annotations

from pathlib import Path

from peewee import DatabaseError, InterfaceError, OperationalError

from taskrun_gui.storage import migrations
from taskrun_gui.storage.db_url import DbUrl
from taskrun_gui.storage.pg_backend import TaskRunPostgresDatabase
from taskrun_gui.storage.pg_reconnect import ReconnectingPostgresDatabase

CONNECT_TIMEOUT_S = 10


class PgOpenError(RuntimeError):
    """The server cannot be used; the message names it (password masked) and why."""


def database(url: DbUrl, secrets_dir: Path) -> TaskRunPostgresDatabase:
    """One that outlives a server restart (pg_reconnect)."""
    return ReconnectingPostgresDatabase(
        url.dbname,
        secrets_dir,
        connect_timeout=CONNECT_TIMEOUT_S,
        application_name="taskrun",
        **url.connect_params(),
    )


def _reason(url: DbUrl, exc: BaseException) -> str:
    """libpq's message, first line, with the password masked should it ever appear."""
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if url.password:
        text = text.replace(url.password, "***")
    return text


def open_database(db: TaskRunPostgresDatabase, url: DbUrl) -> None:
    """Connect and bring the schema up to date (SchemaTooNewError passes through)."""
    try:
        db.connect(reuse_if_open=True)
        migrations.migrate(db)
    except migrations.SchemaTooNewError:
        raise
    except (OperationalError, InterfaceError, DatabaseError) as exc:
        if not db.is_closed():
            db.close()
        raise PgOpenError(
            f"cannot use the history database {url.redacted()}: {_reason(url, exc)}"
        ) from None


def database_size(db: TaskRunPostgresDatabase) -> int:
    return int(db.execute_sql("SELECT pg_database_size(current_database())").fetchone()[0])
