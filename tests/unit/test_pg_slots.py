"""Run slots on a shared PostgreSQL history (storage/pg_slots), against the session's real
server: two nodes' slot connections contend for a task's `max_concurrent` and for the
history-wide limit; a session the server ends frees its slots, and the node that lost it says
so, takes no slot it cannot hold, and never frees a slot it took again on a new connection."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from taskrun_gui.storage import history_limits
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.pg_async import fetch_one
from taskrun_gui.storage.pg_slots import PgSlots, task_keys
from tests.helpers import wait_for
from tests.pg_server import DBNAME, ROLE, PgServer


@pytest.fixture
def history(tmp_path: Path, pg_url: str) -> Iterator[Store]:
    store = Store(tmp_path / "data", pg_url).open()
    yield store
    store.close()


@pytest.fixture
def nodes(history: Store) -> Iterator[list[PgSlots]]:
    """The slots of two nodes on the history (each its own connection)."""
    made: list[PgSlots] = []
    for _ in range(2):
        slots = history.backend.task_slots(history.db, history.locks_dir)
        assert isinstance(slots, PgSlots)
        made.append(slots)
    yield made
    for slots in made:
        slots.close()


def _sql(pg: PgServer, sql: str) -> list[tuple[object, ...]]:
    conn = psycopg2.connect(host="127.0.0.1", port=pg.port, user=ROLE, dbname=DBNAME)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall()) if cur.description else []
    finally:
        conn.close()


def test_a_task_slot_held_by_one_node_is_refused_to_the_other_until_released(
    nodes: list[PgSlots],
) -> None:
    alpha, beta = nodes
    held = alpha.acquire(7, 1)
    assert held is not None
    assert beta.acquire(7, 1) is None
    assert alpha.acquire(7, 1) is None  # a session's locks stack: its own slot is not free
    assert beta.acquire(8, 1) is not None  # another task's slots are its own
    held.release()
    assert beta.acquire(7, 1) is not None
    assert alpha.acquire(7, 1) is None


def test_max_concurrent_counts_the_slots_of_every_node(nodes: list[PgSlots]) -> None:
    alpha, beta = nodes
    assert alpha.acquire(3, 3) is not None
    assert beta.acquire(3, 3) is not None
    last = beta.acquire(3, 3)
    assert last is not None
    assert alpha.acquire(3, 3) is None and beta.acquire(3, 3) is None
    last.release()
    assert alpha.acquire(3, 3) is not None


def test_slots_on_another_machine_are_counted_per_target(nodes: list[PgSlots]) -> None:
    alpha, beta = nodes
    assert alpha.acquire_on("box1", 5, 1) is not None
    assert beta.acquire_on("box1", 5, 1) is None
    assert beta.acquire_on("box2", 5, 1) is not None
    assert beta.acquire(5, 1) is not None  # this machine's runs of the task: their own slot


def test_the_history_wide_limit_holds_over_nodes_and_tasks(
    history: Store, nodes: list[PgSlots]
) -> None:
    history_limits.set_max_running(2)
    assert history_limits.max_running() == 2
    alpha, beta = nodes
    first = alpha.acquire(1, 5)
    assert first is not None and beta.acquire(2, 5) is not None
    assert beta.acquire(3, 5) is None and alpha.acquire(1, 5) is None
    first.release()  # its task slot and its history-wide slot
    assert alpha.acquire(1, 5) is not None  # alpha freed it: asked again at once
    assert beta.acquire(3, 5) is None
    taken: list[object] = []
    alpha.close()  # beta found them all taken: it asks again after a moment
    wait_for(lambda: taken.append(beta.acquire(3, 5)) or taken[-1] is not None)
    assert beta.acquire(4, 5) is None  # beta's two are the limit
    history_limits.set_max_running(0)
    assert history_limits.max_running() is None
    fresh = history.backend.task_slots(history.db, history.locks_dir)
    try:  # no limit (a node reads it again within a second; a new one at once)
        assert fresh.acquire(4, 1) is not None
    finally:
        fresh.close()


def test_a_node_closing_its_slots_frees_them(nodes: list[PgSlots]) -> None:
    alpha, beta = nodes
    assert alpha.acquire(9, 1) is not None
    alpha.close()
    assert beta.acquire(9, 1) is not None


def test_a_lost_session_frees_its_slots_and_its_node_takes_new_ones_on_a_new_one(
    pg: PgServer, nodes: list[PgSlots], caplog: pytest.LogCaptureFixture
) -> None:
    alpha, beta = nodes
    old = alpha.acquire(11, 1)
    assert old is not None
    # the server ends alpha's session (as when its machine is cut off and keepalives fail);
    # with a timeout it returns once the backend is gone, its locks with it (without one, it
    # only signals it: under load beta's try could come first)
    killed = _sql(
        pg,
        "SELECT pg_terminate_backend(pid, 30000) FROM pg_stat_activity "
        "WHERE application_name = 'taskrun-slots'",
    )
    assert killed == [(True,)]
    now_beta = beta.acquire(11, 1)  # beta connects after: the server freed alpha's slot
    assert now_beta is not None
    with caplog.at_level(logging.WARNING, logger="taskrun_gui.storage.pg_slots"):
        assert alpha.acquire(12, 1) is None  # the loss is found: nothing taken on a dead session
    assert "lost" in caplog.text and "freed this node's 1 slots" in caplog.text
    wait_for(lambda: alpha.acquire(12, 1) is not None)  # connected again, on its own thread
    assert alpha.acquire(11, 1) is None  # beta's now
    now_beta.release()
    again = alpha.acquire(11, 1)  # the same slot, on alpha's new session
    assert again is not None
    old.release()  # gone with the old session: it must not free the one taken again
    assert beta.acquire(11, 1) is None
    assert alpha.acquire(11, 1) is None


def test_slot_keys_are_distinct_per_task_target_and_slot() -> None:
    keys = task_keys(1, None, 3) + task_keys(2, None, 3) + task_keys(1, "box", 3)
    assert len(set(keys)) == 9
    assert all(-(2**63) <= k < 2**63 for k in keys)


def test_the_slots_session_sits_idle_outside_any_transaction_with_keepalives(
    pg: PgServer, nodes: list[PgSlots]
) -> None:
    """No transaction stays open on it (one that ended would not free a session lock, but
    idle_in_transaction_session_timeout would end the session), and the server's side of
    its socket probes a silent peer (what frees a dead machine's slots)."""
    alpha, _beta = nodes
    assert alpha.acquire(21, 1) is not None
    rows = _sql(
        pg,
        "SELECT a.state, count(l.*) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid"
        " WHERE a.application_name = 'taskrun-slots' AND l.locktype = 'advisory'"
        " AND l.granted GROUP BY a.state",
    )
    assert rows == [("idle", 1)]
    soon = time.monotonic() + 10  # the session's own view of its settings (asynchronous)
    assert fetch_one(alpha._conn, "SHOW tcp_keepalives_idle", (), soon)[0] == "10"
    assert fetch_one(alpha._conn, "SHOW idle_session_timeout", (), soon)[0] == "0"


def test_an_unreachable_server_refuses_slots_and_says_so_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from taskrun_gui.storage import pg_slots
    from tests.e2e.receivers import free_port

    monkeypatch.setattr(pg_slots, "RECONNECT_S", 0.0)
    connect = pg_slots.slot_connection(
        DBNAME, {"host": "127.0.0.1", "port": free_port(), "user": ROLE}
    )
    attempts: list[int] = []

    def counted() -> object:
        attempts.append(1)
        return connect()

    slots = PgSlots(counted, tmp_path)
    try:
        with caplog.at_level(logging.WARNING, logger="taskrun_gui.storage.pg_slots"):
            wait_for(lambda: slots.acquire(1, 1) is None and len(attempts) >= 3)
        said = [r for r in caplog.records if "cannot connect for the task slots" in r.message]
        assert len(said) == 1
    finally:
        slots.close()
