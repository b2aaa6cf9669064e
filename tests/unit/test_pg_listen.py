"""The run notifications of a PostgreSQL history (storage/pg_listen.py, migration
_v9_run_notify): a run queued, or its status or control request changed, reaches a
subscriber of the listener; a change of anything else does not; a server restart is
survived and told as "look again"; SQLite has nothing to listen to."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskrun_gui.engine.watcher import RunWatcher
from taskrun_gui.storage import pg_listen, run_writes
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.pg_listen import RunNotice
from tests.helpers import wait_for
from tests.pg_server import PgServer
from tests.unit.test_trends_repo import History


class Heard:
    """What a subscriber was told, from the listener's thread."""

    def __init__(self) -> None:
        self.notices: list[RunNotice] = []
        self.look_again = 0
        self._lock = threading.Lock()

    def __call__(self, notices: list[RunNotice], look_again: bool) -> None:
        with self._lock:
            self.notices.extend(notices)
            self.look_again += look_again

    def of(self, run_id: int) -> list[tuple[str, str | None, str | None]]:
        with self._lock:
            return [(n.status, n.node, n.control) for n in self.notices if n.run_id == run_id]


@pytest.fixture
def pg_store(tmp_path: Path, pg_url: str) -> Iterator[Store]:
    s = Store(tmp_path / "data", pg_url).open()
    yield s
    s.close()


def _update(store: Store, uid: str, **fields: object) -> None:
    with store.db.atomic():
        run_writes.apply_op("update_run", uid, dict(fields))


def test_status_and_control_changes_reach_a_subscriber_and_other_changes_do_not(
    pg_store: Store,
) -> None:
    heard = Heard()
    sub = pg_listen.subscribe(pg_store.url, heard)
    assert sub is not None
    try:
        wait_for(lambda: heard.look_again >= 1, timeout=30)  # listening: told to look once
        hist = History(pg_store)
        run_id = hist.run(hist.task("t"), "success", 10, 1_000_000)
        wait_for(lambda: len(heard.of(run_id)) == 2, timeout=30)
        assert heard.of(run_id) == [("running", None, None), ("success", None, None)]
        other = hist.run(hist.task("u"), "failed", 10, 1_000_000)
        wait_for(lambda: len(heard.of(other)) == 2, timeout=30)
        with pg_store.db.atomic():
            pg_store.db.execute_sql("UPDATE run SET log_bytes = 99 WHERE id = %s", (run_id,))
            pg_store.db.execute_sql(
                "UPDATE run SET control = 'cancel', node = 'beta' WHERE id = %s", (other,)
            )
        wait_for(lambda: len(heard.of(other)) == 3, timeout=30)
        assert heard.of(other)[-1] == ("failed", "beta", "cancel")
        assert len(heard.of(run_id)) == 2  # its log size is not news
    finally:
        sub.close()
    assert not sub.listener._thread.is_alive()  # the last subscriber gone: the thread too


def test_one_listener_per_history_in_a_process(pg_store: Store) -> None:
    first, second = Heard(), Heard()
    a = pg_listen.subscribe(pg_store.url, first)
    b = pg_listen.subscribe(pg_store.url, second)
    assert a is not None and b is not None
    try:
        assert a.listener is b.listener
        wait_for(lambda: first.look_again and second.look_again, timeout=30)
        hist = History(pg_store)
        run_id = hist.run(hist.task("t"), "success", 10, 1_000_000)
        wait_for(lambda: len(first.of(run_id)) == len(second.of(run_id)) == 2, timeout=30)
        a.close()
        assert b.listener._thread.is_alive()  # still followed by the other one
    finally:
        a.close()
        b.close()


def test_sqlite_has_nothing_to_listen_to(tmp_path: Path) -> None:
    store = Store(tmp_path / "data").open()
    try:
        assert pg_listen.subscribe(store.url, Heard()) is None
    finally:
        store.close()


def _start_again(server: PgServer) -> None:
    """pg_ctl start on the same data folder and port (a restart of the server)."""
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={server.port} "
        f"-c unix_socket_directories={server.root} -c fsync=off"
    )
    data, log = str(server.root / "data"), str(server.root / "log")
    server._run(str(server.bins / "pg_ctl"), "-D", data, "-l", log, "-o", options, "-w", "start")


def test_the_listener_survives_a_server_restart_and_says_look_again(
    tmp_path: Path, own_pg: PgServer
) -> None:
    store = Store(tmp_path / "data", own_pg.url).open()
    heard = Heard()
    sub = pg_listen.subscribe(store.url, heard)
    assert sub is not None
    try:
        wait_for(lambda: heard.look_again == 1, timeout=30)
        # the test server commits asynchronously: an immediate stop would lose the schema
        own_pg.psql("CHECKPOINT")
        own_pg.stop()
        _start_again(own_pg)
        wait_for(lambda: heard.look_again == 2, timeout=60)  # back: something may be missed
        store.db.close()  # this thread's connection died with the server
        hist = History(store)
        run_id = hist.run(hist.task("t"), "success", 10, 1_000_000)
        wait_for(lambda: len(heard.of(run_id)) == 2, timeout=30)
    finally:
        sub.close()
        store.close()


def test_a_watcher_sees_a_run_another_node_ran_without_waiting_for_its_poll(
    pg_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKRUN_POLL_S", "600")  # its poll never comes in time
    seen: list[tuple[int | None, str]] = []
    watcher = RunWatcher(
        pg_store,
        lambda _active, changed: seen.extend((r.id, str(r.status)) for r in changed),
        lambda _uid, _text, _offset: None,
    )
    assert watcher.interval == 600
    watcher.start()
    try:
        hist = History(pg_store)  # this thread's connection: another node's writes
        task = hist.task("t")
        wait_for(lambda: watcher._primed, timeout=30)  # what ended before it came is old
        first = hist.run(task, "success", 10, 1_000_000)  # maybe found by a first look
        wait_for(lambda: (first, "success") in seen, timeout=30)
        run_id = hist.run(task, "success", 10, 1_000_000)  # only a notification tells this
        wait_for(lambda: (run_id, "success") in seen, timeout=30)
    finally:
        watcher.stop()
