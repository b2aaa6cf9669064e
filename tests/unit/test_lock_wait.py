"""WaitingSqliteDatabase: a thread that chose to wait for another connection's write lock
retries only where SQLite has done nothing yet (BEGIN, statements outside a transaction), says
so once, and gives up after its budget; other threads keep failing fast as before."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from peewee import OperationalError

from taskrun_gui.storage.db import LockWait, Store, StoreBusyError
from taskrun_gui.storage.schema import Task


@pytest.fixture
def opened(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "data").open()
    yield s
    s.db.wait_for_lock(None)
    s.close()


def _blocker(store: Store) -> sqlite3.Connection:
    """Another connection holding the write lock (BEGIN IMMEDIATE) until it rolls back."""
    conn = sqlite3.connect(store.db_path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def _count(store: Store) -> int:
    return int(store.db.execute_sql("SELECT count(*) FROM task").fetchone()[0])


def _insert(store: Store) -> None:
    store.db.execute_sql(
        "INSERT INTO task (name, spec_json, current_version, enabled, priority, tags, "
        "created_at, updated_at) VALUES ('t', '{}', 1, 1, 0, '', 0, 0)"
    )


def test_a_transaction_waits_at_begin_tells_once_then_goes_on(opened: Store) -> None:
    blocker = _blocker(opened)
    told: list[str] = []

    def on_wait() -> None:  # the user is told; meanwhile the other process finishes
        told.append("waiting")
        blocker.execute("ROLLBACK")

    opened.db.wait_for_lock(LockWait(on_wait, budget_s=30, attempt_ms=50))
    with opened.db.atomic():
        _insert(opened)
    blocker.close()
    assert told == ["waiting"]
    assert _count(opened) == 1


def test_a_statement_outside_a_transaction_is_retried(opened: Store) -> None:
    blocker = _blocker(opened)
    told: list[str] = []

    def on_wait() -> None:
        told.append("waiting")
        blocker.execute("ROLLBACK")

    opened.db.wait_for_lock(LockWait(on_wait, budget_s=30, attempt_ms=50))
    _insert(opened)
    blocker.close()
    assert (told, _count(opened)) == (["waiting"], 1)


def test_a_statement_inside_a_begun_transaction_is_never_retried(opened: Store) -> None:
    told: list[str] = []
    opened.db.wait_for_lock(LockWait(lambda: told.append("waiting"), attempt_ms=50))
    blocker = None
    with pytest.raises(OperationalError) as raised, opened.db.atomic("DEFERRED"):
        _count(opened)  # this transaction has read: repeating its write could be wrong
        blocker = _blocker(opened)
        _insert(opened)
    assert blocker is not None
    blocker.execute("ROLLBACK")
    blocker.close()
    assert not isinstance(raised.value, StoreBusyError)
    assert told == []
    assert _count(opened) == 0


def test_the_wait_is_bounded_and_ends_in_one_clear_error(opened: Store) -> None:
    blocker = _blocker(opened)
    told: list[str] = []
    opened.db.wait_for_lock(LockWait(lambda: told.append("waiting"), budget_s=0.3, attempt_ms=50))
    busy = r"still busy after 0\.3 s: another process"
    try:
        with pytest.raises(StoreBusyError, match=busy), opened.db.atomic():
            _insert(opened)
        with pytest.raises(StoreBusyError):  # the budget is for the process, not per statement
            Task.update(priority=1).execute()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert told == ["waiting"]
    assert not opened.db.in_transaction()
    assert _count(opened) == 0


def test_other_threads_keep_failing_fast_without_waiting(opened: Store) -> None:
    """The writer thread relies on OperationalError for a refused store: no 30 s waits."""
    opened.db.wait_for_lock(LockWait(lambda: pytest.fail("told on the wrong thread")))
    blocker = _blocker(opened)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            opened.db.connection().execute("PRAGMA busy_timeout = 50")
            with opened.db.atomic("IMMEDIATE"):
                _insert(opened)
        except BaseException as exc:
            errors.append(exc)
        finally:
            opened.db.close()

    worker = threading.Thread(target=write, name="taskrun-test-writer")
    worker.start()
    worker.join(30)
    blocker.execute("ROLLBACK")
    blocker.close()
    assert len(errors) == 1
    assert isinstance(errors[0], OperationalError)
    assert not isinstance(errors[0], StoreBusyError)
