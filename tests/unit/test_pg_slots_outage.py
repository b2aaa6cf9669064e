"""Run slots while the shared PostgreSQL history cannot be reached (storage/pg_slots), on a
server of the test's own (stopped, started again, one of its processes stopped): the node
takes this machine's file-lock slots and says so once; once the server is back, slots come
from it again and hold over nodes, with the slots still held locally counted as this node's;
a server that stops answering mid-request does not hold the caller, who gets a local slot."""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path

import pytest

from taskrun_gui.storage import pg_slots
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.file_locks import TaskSlots
from taskrun_gui.storage.pg_slots import OUTAGE_NOTE, PgSlotLock, PgSlots
from tests.helpers import wait_for
from tests.pg_server import PgServer

pytestmark = pytest.mark.usefixtures("pg")  # skipped, or failed under CI, as the others


@pytest.fixture
def own_pg(own_pg: PgServer) -> PgServer:
    """The test's own server (tests/conftest.py), with the history's schema made."""
    Store(Path(own_pg.pgpass.parent) / "data", own_pg.url).open().close()
    return own_pg


def _node(server: PgServer, locks: Path) -> PgSlots:
    """The slots of a node on `server` whose machine keeps its locks in `locks`."""
    store = Store(locks.parent, server.url).open()
    try:
        slots = store.backend.task_slots(store.db, locks)
    finally:
        store.close()
    assert isinstance(slots, PgSlots)
    return slots


def _taken(slots: PgSlots, task: int, where: str) -> PgSlotLock | None:
    """A slot of `task`: on the server ("server") or on this machine ("local"), else None."""
    lock = slots.acquire(task, 1)
    if lock is None:
        return None
    on_server = lock.local is None
    assert on_server == (where == "server"), f"a {where} slot wanted, got {lock.keys}"
    return lock


def _server_slot(slots: PgSlots, task: int) -> bool:
    """Whether a slot of `task` came from the server (one taken locally meanwhile is freed)."""
    lock = slots.acquire(task, 1)
    if lock is not None and lock.local is not None:
        lock.release()
        return False
    return lock is not None


def _outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if OUTAGE_NOTE in r.getMessage()]


def test_an_outage_takes_this_machines_slots_and_the_server_holds_again_when_back(
    own_pg: PgServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pg_slots, "RECONNECT_S", 0.0)
    alpha = _node(own_pg, tmp_path / "alpha" / "locks")
    beta = _node(own_pg, tmp_path / "beta" / "locks")
    try:
        assert _taken(alpha, 1, "server") is not None
        own_pg.stop()
        here: list[PgSlotLock | None] = []
        with caplog.at_level(logging.WARNING, logger="taskrun_gui.storage.pg_slots"):
            wait_for(lambda: here.append(alpha.acquire(2, 1)) or here[-1] is not None)
            local = here[-1]
            assert local is not None and local.local is not None and local.keys == ()
            for _ in range(5):  # max_concurrent 1 on this machine; asked again and again
                assert alpha.acquire(2, 1) is None
            assert TaskSlots(tmp_path / "alpha" / "locks").acquire(2, 1) is None  # the file
        [line] = _outage_lines(caplog)
        assert line.startswith("cannot connect for the task slots: ")
        own_pg.start_again()
        wait_for(lambda: _server_slot(alpha, 3), timeout=30)  # from the server again
        assert _taken(beta, 3, "server") is None  # a cross-node limit holds again
        # task 2's local slot is still alpha's: the server's free slot is not a second one
        assert alpha.acquire(2, 1) is None
        assert _taken(beta, 2, "server") is not None  # other nodes cannot see it
        local.release()  # freed on this machine
        probe = TaskSlots(tmp_path / "alpha" / "locks")
        freed = probe.acquire(2, 1)
        assert freed is not None
        freed.release()
        assert alpha.acquire(2, 1) is None  # beta's, on the server
        assert len(_outage_lines(caplog)) == 1
    finally:
        alpha.close()
        beta.close()


def test_a_server_that_stops_answering_mid_request_does_not_hold_the_caller(
    own_pg: PgServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    alpha = _node(own_pg, tmp_path / "alpha" / "locks")
    beta = _node(own_pg, tmp_path / "beta" / "locks")
    assert _taken(alpha, 1, "server") is not None
    [pid] = own_pg.psql(
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'taskrun-slots'"
    ).split()
    assert _taken(beta, 9, "server") is not None  # beta connects now: only alpha's was found
    got: list[PgSlotLock | None] = []
    asking = threading.Thread(target=lambda: got.append(alpha.acquire(2, 1)), daemon=True)
    os.kill(int(pid), signal.SIGSTOP)  # alpha's server process: its socket stays open, mute
    try:
        with caplog.at_level(logging.WARNING, logger="taskrun_gui.storage.pg_slots"):
            asking.start()
            asking.join(20)  # libpq alone would wait for as long as the process is stopped
            assert not asking.is_alive(), "acquire() is still waiting for the server"
        [lock] = got
        assert lock is not None and lock.local is not None  # this machine's slot instead
        assert TaskSlots(tmp_path / "alpha" / "locks").acquire(2, 1) is None
        [line] = _outage_lines(caplog)
        assert "did not answer within" in line
    finally:
        os.kill(int(pid), signal.SIGCONT)
    try:  # the connection was closed: the server ends that session and frees its slot
        wait_for(lambda: beta.acquire(1, 1) is not None, timeout=30)
        lock.release()
        assert TaskSlots(tmp_path / "alpha" / "locks").acquire(2, 1) is not None
    finally:
        alpha.close()
        beta.close()
