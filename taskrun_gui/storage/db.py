"""Opening the data dir: folders, the SQLite database (WAL), migrations, pending-record replay.

A data dir that cannot be written (read-only mount, `chattr +i`, another owner) or a database
the owner made read-only (`chmod 0400`) still opens for reading: the database is then opened
read-only, `read_only` says so and `open_error` says why. TaskRun never gives back a permission
the owner took away; it only takes away group and other bits."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from taskrun_gui.storage import db_url, log_home, migrations
from taskrun_gui.storage.backend import Backend
from taskrun_gui.storage.data_dir import resolve_data_dir
from taskrun_gui.storage.schema import database_proxy
from taskrun_gui.storage.sqlite_backend import SQLITE
from taskrun_gui.storage.sqlite_wait import (
    BUSY_TIMEOUT_MS,
    LockWait,
    StoreBusyError,
    WaitingSqliteDatabase,
    is_corrupt,
    sqlite_code,
)

# what callers took from here before the lock wait had a module of its own
__all__ = ["LockWait", "Store", "StoreBusyError", "is_corrupt", "open_store", "resolve_data_dir"]

DB_NAME = "taskrun.db"
PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": BUSY_TIMEOUT_MS,
    "synchronous": "normal",
    "cache_size": -16000,  # 16 MiB page cache per connection
    "temp_store": "memory",
    "recursive_triggers": 1,  # a REPLACE's delete fires run_total's DELETE trigger too
}
READ_ONLY_PRAGMAS = {k: v for k, v in PRAGMAS.items() if k != "journal_mode"}  # WAL is a write
FOLDER_MODE = 0o700
FILE_MODE = 0o600
READ_ONLY_CONSEQUENCE = "runs cannot be recorded or started here; history can still be read"
_REFUSED = (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM)
_NO_ROOM = (sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL)


class StoreOpenError(RuntimeError):
    """The data dir cannot be used at all; the message says why and what to do."""


class StoreCorruptError(StoreOpenError):
    """taskrun.db is not an SQLite database or is damaged: nothing can be read from it."""


def corrupt_message(db_path: Path, exc: BaseException) -> str:
    return (
        f"the history store {db_path} is damaged or not a TaskRun database ({exc}): move it "
        "(with any taskrun.db-wal and -shm next to it) away or restore it from a backup; "
        "TaskRun starts a new history when the file is gone"
    )


def _size(path: Path) -> int | None:
    """The file's size; None when it is not there or cannot be looked at."""
    try:
        return os.path.getsize(path)
    except OSError:
        return None


def tighten_mode(path: Path, allowed: int) -> None:
    """Take away the bits outside `allowed` (group and other), never add one: what the
    owner made read-only stays read-only."""
    with contextlib.suppress(OSError):
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if mode & ~allowed:
            os.chmod(path, mode & allowed)


def _write_problem(path: Path, folder: bool) -> str | None:
    """Why `path` cannot be written (errno text), or None when it can."""
    if os.access(path, os.W_OK | (os.X_OK if folder else 0)):
        return None
    try:  # os.access says no; a real attempt says why
        if folder:
            fd, name = tempfile.mkstemp(dir=path, prefix=".probe-")
            os.close(fd)
            os.unlink(name)
        else:
            os.close(os.open(path, os.O_WRONLY | os.O_CLOEXEC))  # no write, no truncation
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


class Store:
    """One data dir: the database, the log folder, lock files and the pending-write spool."""

    def __init__(self, data_dir: str | os.PathLike[str], db_url: str | None = None) -> None:
        """`db_url`: the history in PostgreSQL (db_url.FORM) rather than the data dir's
        SQLite file; raises StoreOpenError for one that is not such a URL."""
        self.data_dir = Path(data_dir)
        self.db_path = self.data_dir / DB_NAME
        self.logs_dir = self.data_dir / "logs"
        self.locks_dir = self.data_dir / "locks"
        self.spool_dir = self.data_dir / "spool"
        self.tmp_dir = self.data_dir / "tmp"
        self.secrets_dir = self.data_dir / "secrets"
        self.writable = True
        self.read_only = False  # opened read-only for good (not a lock that may go away)
        self.open_error: str | None = None
        self._read_only_reason = ""
        if (problem := self._make_folders()) is not None:
            self._set_read_only(f"the data dir {self.data_dir} cannot be written ({problem})")
        self.url = _parse_url(db_url)
        self.db: Any
        if self.url is None:
            self.db = WaitingSqliteDatabase(
                str(self.db_path), pragmas=PRAGMAS, check_same_thread=False
            )
            self.backend: Backend = SQLITE
        else:
            from taskrun_gui.storage import pg_store  # psycopg2: only for a server's history
            from taskrun_gui.storage.pg_backend import POSTGRES

            self.db = pg_store.database(self.url, self.secrets_dir)
            self.backend = POSTGRES
        database_proxy.initialize(self.db)
        log_home.bind(self.logs_dir)

    def write_transaction(self) -> Any:
        """A transaction that takes the write lock at its start (see Backend)."""
        return self.backend.write_transaction(self.db)

    def _make_folders(self) -> str | None:
        """Create the folders, 0700 whatever the umask; why one cannot be written, if so."""
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
                try:
                    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
                except OSError as exc:
                    if not self.data_dir.is_dir():
                        raise StoreOpenError(
                            f"cannot create the data dir {self.data_dir} ({exc.strerror or exc})"
                        ) from exc
                    return exc.strerror or str(exc)
                tighten_mode(folder, FOLDER_MODE)
                if (problem := _write_problem(folder, folder=True)) is not None:
                    return problem
        finally:
            os.umask(old_umask)
        return None

    def _set_read_only(self, reason: str) -> None:
        self.writable = False
        self.read_only = True
        self._read_only_reason = reason
        self.open_error = f"{reason}: {READ_ONLY_CONSEQUENCE}"

    def _db_file_problem(self) -> str | None:
        """Why taskrun.db must not be written: its owner took the write bit away, or the
        system refuses (immutable, another owner). None when fine or not there yet."""
        try:
            mode = stat.S_IMODE(os.stat(self.db_path).st_mode)
        except FileNotFoundError:
            return None
        except OSError as exc:
            return f"the history store {self.db_path} cannot be read ({exc.strerror or exc})"
        if not mode & stat.S_IWUSR:
            return f"the history store {self.db_path} is read-only (mode {mode:04o})"
        if (problem := _write_problem(self.db_path, folder=False)) is not None:
            return f"the history store {self.db_path} cannot be written ({problem})"
        return None

    def open(self) -> Store:
        """Connect and migrate. A read-only or locked database still opens for reading; the
        reason is kept in `open_error` and writes are retried by the writer later. Raises
        StoreCorruptError for a file that is not a usable database, StoreOpenError when
        nothing can be read, SchemaTooNewError for a newer TaskRun's history."""
        if self.url is not None:
            from taskrun_gui.storage import pg_store

            try:
                pg_store.open_database(self.db, self.url)
            except pg_store.PgOpenError as exc:
                raise StoreOpenError(str(exc)) from None
            return self
        self._refuse_an_emptied_history()
        if not self.read_only and (problem := self._db_file_problem()) is not None:
            self._set_read_only(problem)
        if not self.read_only:
            self._open_for_writing()
        if self.read_only:
            self._open_read_only()
        else:
            for suffix in ("", "-wal", "-shm"):
                tighten_mode(Path(f"{self.db_path}{suffix}"), FILE_MODE)
        return self

    def _refuse_an_emptied_history(self) -> None:
        """A 0-byte taskrun.db beside the logs of earlier runs was a history (truncated,
        or a failed copy): SQLite would take it for a new one, and the runs looked gone
        without a word. Any other 0-byte file is a new history, as a missing one is."""
        if _size(self.db_path) != 0 or _size(Path(f"{self.db_path}-wal")):
            return  # none (a new history), or one with pages in it or in its log
        if next(iter(self.logs_dir.rglob("*.log")), None) is not None:
            raise StoreCorruptError(
                f"the history store {self.db_path} is empty (0 bytes) but {self.logs_dir} "
                "holds the logs of earlier runs: restore it from a backup, or move it away "
                "to start a new history"
            )

    def _open_for_writing(self) -> None:
        old_umask = os.umask(0o077)  # the database 0600; SQLite gives -wal and -shm its mode
        try:
            self.db.connect(reuse_if_open=True)
            migrations.migrate(self.db)
        except migrations.SchemaTooNewError:
            raise
        except Exception as exc:  # read-only file, locked, disk full: reads may still work
            if is_corrupt(exc):
                self._close_quietly()
                raise StoreCorruptError(corrupt_message(self.db_path, exc)) from exc
            if sqlite_code(exc) in _REFUSED:
                self._close_quietly()
                self._set_read_only(f"the history store {self.db_path} cannot be written ({exc})")
            elif sqlite_code(exc) in _NO_ROOM and not self._readable():
                self._open_without_room(exc)
            else:
                self.writable = False
                self.open_error = f"history store not writable: {exc}"
        finally:
            os.umask(old_umask)

    def _readable(self) -> bool:
        try:
            self.db.execute_sql("SELECT count(*) FROM sqlite_master").fetchone()
        except Exception:
            return False
        return True

    def _open_without_room(self, exc: BaseException) -> None:
        """A full disk: SQLite cannot even make the -shm file a WAL database needs to be read.
        Read it without one for this process (nobody can write it meanwhile: no room); tasks
        still run, and what they record is kept aside for the next process (see journal)."""
        self._close_quietly()
        self._read_only_reason = f"the disk of {self.db_path} is full ({exc})"
        self._open_read_only()
        self.writable = False
        self.open_error = (
            f"{self._read_only_reason}: tasks still run; their records are kept aside and "
            "written when there is room"
        )

    def _open_read_only(self) -> None:
        """SQLite's read-only mode when a -wal exists (it holds the newest runs), else
        `immutable`, which needs no -shm or -wal and so leaves none behind."""
        reason = self._read_only_reason
        if not self.db_path.exists():
            raise StoreOpenError(
                f"{reason} and holds no history yet: make it writable or use another --data-dir"
            )
        uri = f"file:{quote(str(self.db_path))}?mode=ro"
        has_wal = Path(f"{self.db_path}-wal").exists()
        last: Exception | None = None
        for database in ([uri] if has_wal else []) + [f"{uri}&immutable=1"]:
            self.db.init(database, pragmas=READ_ONLY_PRAGMAS, uri=True, check_same_thread=False)
            try:
                self.db.connect(reuse_if_open=True)
                found = self.backend.schema_version(self.db)
            except Exception as exc:
                self._close_quietly()
                if is_corrupt(exc):
                    raise StoreCorruptError(corrupt_message(self.db_path, exc)) from exc
                last = exc
                continue
            if found > migrations.SCHEMA_VERSION:
                migrations.migrate(self.db)  # raises SchemaTooNewError, writes nothing
            if found < migrations.SCHEMA_VERSION:
                raise StoreOpenError(
                    f"{reason}, and its history was written by an older TaskRun: it must be "
                    "upgraded once where it can be written"
                )
            return
        raise StoreOpenError(f"{reason}, and it cannot be read either ({last})")

    def _close_quietly(self) -> None:
        with contextlib.suppress(Exception):
            if self.db.in_transaction():
                self.db.rollback()
        with contextlib.suppress(Exception):
            self.db.close()

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
        if self.url is not None:
            from taskrun_gui.storage import pg_store

            return pg_store.database_size(self.db)
        size = 0
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                size += os.path.getsize(str(self.db_path) + suffix)
        return size


def _parse_url(text: str | None) -> db_url.DbUrl | None:
    if not text:
        return None
    try:
        return db_url.parse(text)
    except db_url.DbUrlError as exc:
        raise StoreOpenError(f"the history database URL (--db, ${db_url.ENV}): {exc}") from None


def open_store(data_dir: Path, lock_wait: LockWait | None = None, writing: bool = False) -> Store:
    """The store a front end (the window, a `taskrun` command) works on; the one place that
    opens one, so every front end meets the same errors and only presents them. `lock_wait`:
    this thread waits for another process's write lock as it says. `writing`: the front end
    changes the history, so a store that opened read-only is an error (StoreOpenError with the
    reason) rather than `open_error` to warn about. The history is in PostgreSQL when
    $TASKRUN_DB names a server (the CLI's and the window's --db set it, so what they start
    uses it too). Raises as Store.open does."""
    store = Store(data_dir, db_url.from_env())
    store.db.wait_for_lock(lock_wait)
    store.open()
    if store.read_only and writing:
        store.close()
        raise StoreOpenError(store.open_error or "the history store is read-only")
    return store
