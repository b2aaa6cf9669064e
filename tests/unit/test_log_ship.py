"""The shipper of a node's run output (engine/log_ship.py) against a real PostgreSQL server
reached through a TCP relay the test takes down and brings back: while the database cannot
be reached the run's end goes on at once, and the bytes it missed are shipped from the log
file when the database answers again."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.core.run_events import RunEvent, RunFinished
from taskrun_gui.engine.log_ship import LogShipper
from taskrun_gui.storage.db import Store
from tests.helpers import wait_for
from tests.pg_server import DBNAME, PASSWORD, ROLE, PgServer


class Relay:
    """127.0.0.1:port → the server; `down` closes every connection and refuses new ones."""

    def __init__(self, target: int) -> None:
        self.target = target
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._threads: list[threading.Thread] = []

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self._listener = listener
        self._spawn(self._accept, listener)

    def down(self) -> None:
        if self._listener is not None:
            self._listener.close()  # shutdown first: a blocked accept() returns
            self._listener = None
        for sock in self._open:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._open.clear()
        for thread in self._threads:
            thread.join(5)
        self._threads.clear()

    def _spawn(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name="relay", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self, listener: socket.socket) -> None:
        with contextlib.suppress(OSError):
            listener.settimeout(0.2)
            while self._listener is listener:
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                server = socket.create_connection(("127.0.0.1", self.target))
                self._open += [client, server]
                self._spawn(self._pump, client, server)
                self._spawn(self._pump, server, client)

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)


@dataclass
class Writer:
    """Stands for the store's writer: what the run handed it, in order."""

    events: list[RunEvent] = field(default_factory=list)
    healthy: bool = True
    journaled: bool = True

    def submit(self, event: RunEvent, /, lazy: bool = False) -> Future[Any]:
        self.events.append(event)
        done: Future[Any] = Future()
        done.set_result(None)
        return done


@pytest.fixture
def relay(
    pg: PgServer, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Relay]:
    r = Relay(pg.port)
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(pg.pgpass.read_text() + f"127.0.0.1:{r.port}:*:{ROLE}:{PASSWORD}\n")
    os.chmod(pgpass, 0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    r.up()
    yield r
    r.down()


def _shipped(pg: PgServer) -> bytes:
    """What run_output holds, read straight from the server (not through the relay)."""
    conn = psycopg2.connect(host="127.0.0.1", port=pg.port, user=ROLE, dbname=DBNAME)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT data FROM run_output ORDER BY seq")
            return b"".join(bytes(row[0]) for row in cur.fetchall())
    finally:
        conn.close()


def test_a_database_out_of_reach_delays_the_shipping_not_the_run(
    relay: Relay, pg: PgServer, tmp_path: Path
) -> None:
    store = Store(tmp_path / "data", f"postgresql://{ROLE}@127.0.0.1:{relay.port}/{DBNAME}").open()
    log = store.logs_dir / "r1.log"
    rec = RunRecord("r1", 1, "t", 1, status=RunStatus.RUNNING, log_path=str(log))
    writer = Writer()
    shipper = LogShipper(store.db)
    try:
        with shipper.shipping(rec, writer) as recorder:
            log.write_bytes(b"one\n")
            wait_for(lambda: _shipped(pg) == b"one\n", timeout=20)
            relay.down()  # the database is out of reach
            with open(log, "ab") as fh:
                fh.write(b"two\n" * 10_000)
            rec.status = RunStatus.SUCCESS
            recorder.submit(RunFinished.of(rec))
            assert [type(e) for e in writer.events] == [RunFinished]  # the end went on
            assert _shipped(pg) == b"one\n"
            relay.up()  # it is back: the rest comes from the file
            wait_for(lambda: _shipped(pg) == log.read_bytes(), timeout=30)
    finally:
        shipper.close()
        relay.down()
        store.close()


def test_a_quiet_runs_end_does_not_wait_behind_a_run_whose_output_is_held_up(
    pg_url: str, pg: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database holds up the output of one run (a lock on its table); a run that printed
    nothing ends meanwhile: it has nothing to ship, so its end goes on at once, not once the
    other's insert is through (it would wait the whole final wait, made endless here)."""
    from taskrun_gui.engine import log_ship

    monkeypatch.setattr(log_ship, "FINAL_WAIT_S", 3600.0)
    store = Store(tmp_path / "data", pg_url).open()
    store.logs_dir.mkdir(parents=True, exist_ok=True)
    chatty = RunRecord(
        "c1", 1, "t", 1, status=RunStatus.RUNNING, log_path=str(store.logs_dir / "c1.log")
    )
    quiet = RunRecord(
        "q1", 1, "t", 1, status=RunStatus.RUNNING, log_path=str(store.logs_dir / "q1.log")
    )
    Path(quiet.log_path).write_bytes(b"")
    locker = psycopg2.connect(host="127.0.0.1", port=pg.port, user=ROLE, dbname=DBNAME)
    shipper, writer = LogShipper(store.db), Writer()
    try:
        with locker.cursor() as cur:
            cur.execute("LOCK TABLE run_output IN ACCESS EXCLUSIVE MODE")  # until rollback
        with shipper.shipping(chatty, writer), shipper.shipping(quiet, writer) as recorder:
            Path(chatty.log_path).write_bytes(b"output\n")
            wait_for(lambda: _waiting_on_a_lock(pg), timeout=30)  # its insert is held
            ended = threading.Thread(target=recorder.submit, args=(RunFinished.of(quiet),))
            ended.start()
            wait_for(lambda: not ended.is_alive(), timeout=30)
            assert [type(e) for e in writer.events] == [RunFinished]
            assert _waiting_on_a_lock(pg)  # the other run's output is still held up
            locker.rollback()
            chatty.status = RunStatus.SUCCESS
    finally:
        locker.close()
        shipper.close()
        store.close()
    assert _shipped(pg) == b"output\n"


def _waiting_on_a_lock(pg: PgServer) -> bool:
    conn = psycopg2.connect(host="127.0.0.1", port=pg.port, user=ROLE, dbname=DBNAME)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            return bool(cur.fetchone()[0])
    finally:
        conn.close()


def test_a_connection_the_server_ended_between_two_runs_costs_the_next_run_nothing(
    pg_url: str, pg: PgServer, tmp_path: Path
) -> None:
    """The shipping thread keeps its connection while it waits for the next run; the server
    ends it meanwhile (a restart, an idle timeout, an administrator): the next run's output
    is still in the database the moment its end is handed on."""
    store = Store(tmp_path / "data", pg_url).open()
    store.logs_dir.mkdir(parents=True, exist_ok=True)
    shipper, writer = LogShipper(store.db), Writer()
    try:
        first = RunRecord(
            "a1", 1, "t", 1, status=RunStatus.RUNNING, log_path=str(store.logs_dir / "a1.log")
        )
        with shipper.shipping(first, writer) as recorder:
            Path(first.log_path).write_bytes(b"one\n")
            wait_for(lambda: _shipped(pg) == b"one\n", timeout=20)
            recorder.submit(RunFinished.of(first))
        pg.psql(  # waits until the backends are gone
            "SELECT pg_terminate_backend(pid, 30000) FROM pg_stat_activity"
            f" WHERE datname = '{DBNAME}' AND pid <> pg_backend_pid()"
        )
        second = RunRecord(
            "b1", 1, "t", 1, status=RunStatus.RUNNING, log_path=str(store.logs_dir / "b1.log")
        )
        with shipper.shipping(second, writer) as recorder:
            Path(second.log_path).write_bytes(b"two\n")
            recorder.submit(RunFinished.of(second))  # the end, as execute_run hands it on
            assert _shipped(pg) == b"one\ntwo\n"  # what a reader sees as the run is final
    finally:
        shipper.close()
        store.close()
