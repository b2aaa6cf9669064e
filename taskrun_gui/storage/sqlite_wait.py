"""Waiting for another process's write lock on an SQLite history (LockWait), and SQLite's
error codes behind peewee's errors: SQLite-only, so they sit apart from opening the data dir.

A front end that changes the history (a `taskrun` command) would rather wait a while for
another process's write than fail at once; the writer thread keeps the plain busy timeout."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from peewee import OperationalError, SqliteDatabase

from taskrun_gui.storage.sqlite_backend import SQLITE

BUSY_TIMEOUT_MS = int(os.environ.get("TASKRUN_BUSY_TIMEOUT_MS", "5000"))
_CORRUPT = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
T = TypeVar("T")


class StoreBusyError(OperationalError):
    """Another process kept the write lock longer than this one was willing to wait."""


def sqlite_code(exc: BaseException) -> int | None:
    """SQLite's primary result code behind a peewee or sqlite3 error (peewee keeps the
    driver's exception as its first argument)."""
    for cause in (exc, *exc.args[:1], exc.__cause__, exc.__context__):
        code = (
            getattr(cause, "sqlite_errorcode", None) if isinstance(cause, sqlite3.Error) else None
        )
        if code is not None:
            return int(code) & 0xFF
    return None


def is_corrupt(exc: BaseException) -> bool:
    """'file is not a database' or 'database disk image is malformed'."""
    return sqlite_code(exc) in _CORRUPT


@dataclass
class LockWait:
    """How a thread waits for another process's write lock: at most `budget_s` in all (per
    process, not per statement), telling the user once through `on_wait`."""

    on_wait: Callable[[], None]
    budget_s: float = 30.0
    attempt_ms: int = 1000  # the busy timeout of one try: the notice comes after about this
    spent_s: float = 0.0
    told: bool = False


class WaitingSqliteDatabase(SqliteDatabase):
    """SqliteDatabase where a thread may choose to wait for the write lock (see LockWait).

    A try is repeated only where that is safe: BEGIN, made IMMEDIATE so the lock is taken
    before any work is done, and statements outside a transaction, which SQLite undoes whole
    when they fail. A statement inside a transaction that has begun is never repeated. Other
    threads (the writer) keep the plain busy timeout and get OperationalError as before."""

    backend = SQLITE

    def __init__(self, database: str, **kwargs: Any) -> None:
        self._waits = threading.local()
        super().__init__(database, **kwargs)

    def wait_for_lock(self, wait: LockWait | None) -> None:
        """Wait like `wait` on the calling thread from now on (None: as other threads)."""
        self._waits.wait = wait

    def _lock_wait(self) -> LockWait | None:
        wait: LockWait | None = getattr(self._waits, "wait", None)
        return wait

    def begin(self, lock_type: str | None = None) -> None:
        wait = self._lock_wait()
        if wait is None:
            super().begin(lock_type)
            return
        self._retrying(wait, lambda: SqliteDatabase.begin(self, lock_type or "IMMEDIATE"))

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        wait = self._lock_wait()
        if wait is None or self.in_transaction() or self.connection().in_transaction:
            return super().execute_sql(sql, params)
        return self._retrying(wait, lambda: SqliteDatabase.execute_sql(self, sql, params))

    def _retrying(self, wait: LockWait, attempt: Callable[[], T]) -> T:
        """`attempt` until it is not refused for a lock, each try with a short busy timeout
        (statements that are not retried keep the configured one)."""
        conn = self.connection()
        conn.execute(f"PRAGMA busy_timeout = {min(BUSY_TIMEOUT_MS, wait.attempt_ms)}")
        try:
            while True:
                started = time.monotonic()
                try:
                    return attempt()
                except OperationalError as exc:
                    if sqlite_code(exc) != sqlite3.SQLITE_BUSY or conn.in_transaction:
                        raise
                    self._note_wait(wait, time.monotonic() - started, exc)
        finally:
            with contextlib.suppress(sqlite3.Error):  # the error that got here is the one
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    @staticmethod
    def _note_wait(wait: LockWait, spent: float, exc: OperationalError) -> None:
        """Count a refused try against the budget; tell the user once; give up when spent."""
        if spent < 0.05:  # a busy timeout of 0: do not spin
            time.sleep(0.05 - spent)
        wait.spent_s += max(spent, 0.05)
        if wait.spent_s >= wait.budget_s:
            raise StoreBusyError(
                f"the history store is still busy after {wait.budget_s:g} s: another "
                "process is writing to it; try again when it is done"
            ) from exc
        if not wait.told:
            wait.told = True
            wait.on_wait()
