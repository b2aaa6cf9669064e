"""Opening the data dir: folders, the SQLite database (WAL), migrations, pending-record replay."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import platformdirs
from peewee import SqliteDatabase

from taskrun_gui.storage import migrations
from taskrun_gui.storage.schema import database_proxy

DB_NAME = "taskrun.db"
PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": int(os.environ.get("TASKRUN_BUSY_TIMEOUT_MS", "5000")),
    "synchronous": "normal",
    "cache_size": -16000,  # 16 MiB page cache per connection
    "temp_store": "memory",
}


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--data-dir, else $TASKRUN_HOME, else the platform's user data dir."""
    chosen = explicit or os.environ.get("TASKRUN_HOME") or platformdirs.user_data_dir("taskrun")
    return Path(chosen).expanduser().resolve()


class Store:
    """One data dir: the database, the log folder, lock files and the pending-write spool."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.data_dir = Path(data_dir)
        self.db_path = self.data_dir / DB_NAME
        self.logs_dir = self.data_dir / "logs"
        self.locks_dir = self.data_dir / "locks"
        self.spool_dir = self.data_dir / "spool"
        self.tmp_dir = self.data_dir / "tmp"
        self.secrets_dir = self.data_dir / "secrets"
        old_umask = os.umask(0o077)
        try:
            for folder in (
                self.data_dir,
                self.logs_dir,
                self.locks_dir,
                self.spool_dir,
                self.tmp_dir,
                self.secrets_dir,
            ):
                folder.mkdir(parents=True, exist_ok=True)
                os.chmod(folder, 0o700)
        finally:
            os.umask(old_umask)
        self.db = SqliteDatabase(str(self.db_path), pragmas=PRAGMAS, check_same_thread=False)
        database_proxy.initialize(self.db)
        self.writable = True
        self.open_error: str | None = None

    def open(self) -> Store:
        """Connect and migrate. A read-only or locked database still opens for reading; the
        reason is kept in `open_error` and writes are retried by the writer later."""
        old_umask = os.umask(0o077)
        try:
            self.db.connect(reuse_if_open=True)
            migrations.migrate(self.db)
        except migrations.SchemaTooNewError:
            raise
        except Exception as exc:  # read-only file, locked, disk full: reads may still work
            self.writable = False
            self.open_error = f"history store not writable: {exc}"
        finally:
            os.umask(old_umask)
        if self.db_path.exists():
            with contextlib.suppress(OSError):
                os.chmod(self.db_path, 0o600)
        return self

    def close(self) -> None:
        if not self.db.is_closed():
            self.db.close()

    def log_size(self) -> int:
        total = 0
        for root, _dirs, files in os.walk(self.logs_dir):
            for name in files:
                with contextlib.suppress(OSError):
                    total += os.path.getsize(os.path.join(root, name))
        return total

    def db_size(self) -> int:
        size = 0
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                size += os.path.getsize(str(self.db_path) + suffix)
        return size


def open_store(data_dir: str | os.PathLike[str] | None = None) -> Store:
    return Store(resolve_data_dir(data_dir)).open()
