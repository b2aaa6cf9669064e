"""Run slots that hold over every node of a PostgreSQL history: a task's `max_concurrent` and
the history-wide limit of runs at once (storage/history_limits).

A slot is a SESSION-level advisory lock (pg_try_advisory_lock) on one connection of this node
that does nothing else: not the writer's (its transactions come and go; a session lock outlives
them, but a broken writer connection would drop every slot with it), in autocommit, so no
transaction ever sits open on it (idle_in_transaction_session_timeout would end the session).
The server frees a session's locks when the session ends, so a node that dies (kill -9, power
cut, network gone) frees its slots with no lease of our own to expire: its connection's TCP
keepalives, set on both ends, let the server notice a silent peer within LEASE_S.

Taking a slot never blocks: a refusal means every slot is taken, here or on another node, and
the run waits in the queue (the run board tries again on a short tick). Keys are one bigint
each, a hash of our own namespace and the slot's name, so they meet neither the write lock
(pg_backend.WRITE_LOCK_KEY) nor another application's locks on the same database.

A lost connection loses the slots (the server freed them): runs already going keep going, a
warning says so; the next acquisitions connect again, on a thread of their own so a server
that does not answer never stalls the caller (the window's UI thread dispatches too), and a
run whose slot cannot be taken is not started."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import psycopg2

from taskrun_gui.core.limits import MAX_RUNNING_CAP
from taskrun_gui.core.nodes import LEASE_S
from taskrun_gui.storage.history_limits import MAX_RUNNING

log = logging.getLogger(__name__)

NAMESPACE = b"taskrun-slot\0"
KEEPALIVE_IDLE_S = 10  # with 5 s between probes and 3 probes: a silent peer is gone in ~25 s
KEEPALIVE_INTERVAL_S = 5
KEEPALIVE_COUNT = 3
USER_TIMEOUT_MS = int(LEASE_S * 1000) - 5000  # unacknowledged data: given up within the lease
LIMIT_TTL_S = 1.0  # the history-wide limit is read again at most this often
GLOBAL_FULL_S = 0.1  # all history-wide slots taken: refused without asking for this long
RECONNECT_S = 1.0  # after a failed connect, the next attempt not before this
FIRST_WAIT_S = 3.0  # the first acquisition waits this long for the first connection
LOST = (psycopg2.DatabaseError, psycopg2.InterfaceError)  # the connection, or what it ran

# libpq's side: keepalives on an idle socket, a deadline on unacknowledged data
CLIENT_KEEPALIVES: dict[str, object] = {
    "keepalives": 1,
    "keepalives_idle": KEEPALIVE_IDLE_S,
    "keepalives_interval": KEEPALIVE_INTERVAL_S,
    "keepalives_count": KEEPALIVE_COUNT,
    "tcp_user_timeout": USER_TIMEOUT_MS,
}
# the server's side of the same socket (what frees a dead node's slots), and no timeout that
# would end an idle session holding slots
SESSION_SETTINGS = (
    f"SET tcp_keepalives_idle = {KEEPALIVE_IDLE_S}",
    f"SET tcp_keepalives_interval = {KEEPALIVE_INTERVAL_S}",
    f"SET tcp_keepalives_count = {KEEPALIVE_COUNT}",
    f"SET tcp_user_timeout = {USER_TIMEOUT_MS}",
    "SET idle_in_transaction_session_timeout = 0",
    "SET idle_session_timeout = 0",
    f"SET statement_timeout = {USER_TIMEOUT_MS}",
)


def _key(name: str) -> int:
    """A signed 64-bit advisory lock key for `name` in our namespace."""
    digest = hashlib.blake2b(NAMESPACE + name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def task_keys(task_id: int, host: str | None, max_concurrent: int) -> list[int]:
    """The slot keys of a task (on `host`: its runs on another machine, counted per target)."""
    where = "" if host is None else f"@{host}"
    return [_key(f"task\0{task_id}{where}\0{slot}") for slot in range(max(1, max_concurrent))]


def global_keys(limit: int) -> list[int]:
    """The slot keys of the history-wide limit of runs at once."""
    return [_key(f"global\0{slot}") for slot in range(min(limit, MAX_RUNNING_CAP))]


class PgSlotLock:
    """The slots one run holds (its task's, and a history-wide one when a limit is set)."""

    __slots__ = ("_owner", "_released", "generation", "keys")

    def __init__(self, owner: PgSlots, keys: tuple[int, ...], generation: int) -> None:
        self._owner = owner
        self.keys = keys
        self.generation = generation  # the connection they were taken on
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._owner.release(self)


class PgSlots:
    """The slots of this node, on its own connection (see the module doc). Thread-safe: one
    lock guards the connection and what it holds."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        """`connect`: a new psycopg2 connection to the history (see slot_connection)."""
        self._connect = connect
        self._lock = threading.Lock()
        self._conn: Any = None
        self._generation = 0
        self._held: set[int] = set()  # keys held on the current connection
        self._limit: tuple[float, int | None] | None = None  # (read at, history-wide limit)
        self._full_until = 0.0  # monotonic: every history-wide slot was taken a moment ago
        self._connecting: threading.Thread | None = None
        self._next_connect = 0.0  # monotonic: no attempt before (after a failure)
        self._first: threading.Thread | None = None  # the first connect, waited for once
        self._failing = False  # a connect failed and was said: not again until one works
        self._closed = False

    # -- Slots ------------------------------------------------------------------------------
    def acquire(self, task_id: int, max_concurrent: int) -> PgSlotLock | None:
        return self._take(task_keys(task_id, None, max_concurrent))

    def acquire_on(self, host: str, task_id: int, max_concurrent: int) -> PgSlotLock | None:
        return self._take(task_keys(task_id, host, max_concurrent))

    def close(self) -> None:
        """Free every slot (the session ends) and take no more."""
        with self._lock:
            self._closed = True
            self._drop(None)

    # -- the slots --------------------------------------------------------------------------
    def _take(self, keys: Sequence[int]) -> PgSlotLock | None:
        self._first_connect()
        with self._lock:
            conn = self._connection()
            if conn is None:
                return None
            try:
                taken = self._take_on(conn, keys)
            except LOST as exc:
                self._drop(exc)
                return None
            return None if taken is None else PgSlotLock(self, taken, self._generation)

    def _take_on(self, conn: Any, keys: Sequence[int]) -> tuple[int, ...] | None:
        """A task slot, then a history-wide one when there is a limit; none of either. The
        history-wide slots found all taken are not asked again for GLOBAL_FULL_S (unless
        this node frees one): a queue of many tasks would ask for each of them."""
        limit = self._history_limit(conn)
        if limit is not None and time.monotonic() < self._full_until:
            return None
        task = self._first_free(conn, keys)
        if task is None or limit is None:
            return None if task is None else (task,)
        shared = self._first_free(conn, global_keys(limit))
        if shared is None:
            self._full_until = time.monotonic() + GLOBAL_FULL_S
            self._unlock(conn, task)
            return None
        return (task, shared)

    def _first_free(self, conn: Any, keys: Sequence[int]) -> int | None:
        """Take the first of `keys` free everywhere. A key this session holds is skipped
        without asking: a session's advisory locks stack, so the server would grant it."""
        with conn.cursor() as cur:
            for key in keys:
                if key in self._held:
                    continue
                cur.execute("SELECT pg_try_advisory_lock(%s)", (key,))
                if cur.fetchone()[0]:
                    self._held.add(key)
                    return key
        return None

    def _unlock(self, conn: Any, key: int) -> None:
        self._held.discard(key)
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", (key,))

    def _history_limit(self, conn: Any) -> int | None:
        now = time.monotonic()
        if self._limit is None or now - self._limit[0] >= LIMIT_TTL_S:
            with conn.cursor() as cur:
                cur.execute("SELECT value FROM history_limit WHERE name = %s", (MAX_RUNNING,))
                row = cur.fetchone()
            self._limit = (now, None if row is None or row[0] < 1 else int(row[0]))
        return self._limit[1]

    def release(self, lock: PgSlotLock) -> None:
        """Free a run's slots; those of a lost connection are gone already (the server freed
        them, and this session may hold the same keys again for other runs)."""
        with self._lock:
            if lock.generation != self._generation or self._conn is None:
                return
            self._full_until = 0.0  # a history-wide slot of ours is free again
            try:
                for key in lock.keys:
                    self._unlock(self._conn, key)
            except LOST as exc:
                self._drop(exc)

    # -- the connection ---------------------------------------------------------------------
    def _connection(self) -> Any:
        """The slots' connection, or None while there is none (being made on a thread)."""
        if self._conn is not None or self._closed:
            return self._conn
        if self._connecting is None and time.monotonic() >= self._next_connect:
            self._connecting = threading.Thread(
                target=self._reconnect, name="taskrun-slots", daemon=True
            )
            self._connecting.start()
        return None

    def _first_connect(self) -> None:
        """The first acquisition waits for a connection a moment (the history was reachable
        when the host started), outside the lock, up to FIRST_WAIT_S: a server that does not
        answer leaves the run queued, not the caller stuck for the connect timeout."""
        if self._first is not None:
            return
        with self._lock:
            if self._first is None and self._conn is None:
                self._first = self._connecting = threading.Thread(
                    target=self._reconnect, name="taskrun-slots", daemon=True
                )
                self._first.start()
        if self._first is not None:
            self._first.join(FIRST_WAIT_S)

    def _reconnect(self) -> None:
        """On its own thread, outside the lock: a server that does not answer holds up
        nobody (the callers' runs wait for the next try)."""
        conn = self._open()
        with self._lock:
            self._connecting = None
            self._install(conn)

    def _open(self) -> Any:
        """A new connection set up for slots, or None (said once per failure)."""
        try:
            conn = self._connect()
            conn.autocommit = True
            with conn.cursor() as cur:
                for statement in SESSION_SETTINGS:
                    cur.execute(statement)
        except LOST as exc:
            if not self._failing:  # once per outage, not once a second
                self._failing = True
                log.warning("cannot connect for the task slots: %s", _first_line(exc))
            return None
        self._failing = False
        return conn

    def _install(self, conn: Any) -> None:
        """Under the lock: `conn` is the slots' connection from now on (None: connecting
        failed, the next attempt waits RECONNECT_S)."""
        if conn is None:
            self._next_connect = time.monotonic() + RECONNECT_S
            return
        if self._closed or self._conn is not None:
            _close(conn)
            return
        self._conn = conn
        self._generation += 1
        self._limit = None

    def _drop(self, exc: BaseException | None) -> None:
        """The connection is gone (or closed by us): so are its slots."""
        conn, self._conn = self._conn, None
        if conn is not None and exc is not None and self._held:
            log.warning(
                "the task slots' connection to the history database was lost (%s): the server "
                "freed this node's %d slots; runs already going keep going, new runs wait "
                "for a slot",
                _first_line(exc),
                len(self._held),
            )
        self._held.clear()
        self._generation += 1
        self._next_connect = 0.0
        if conn is not None:
            _close(conn)


def _close(conn: Any) -> None:
    with contextlib.suppress(*LOST):
        conn.close()


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def slot_connection(database: str, params: dict[str, Any]) -> Callable[[], Any]:
    """A connect function for the slots: the history's parameters (as peewee was given them),
    with TCP keepalives and a name the server's pg_stat_activity shows."""
    options = {**params, **CLIENT_KEEPALIVES, "application_name": "taskrun-slots"}
    options["connect_timeout"] = min(int(params.get("connect_timeout", 10)), 10)
    return lambda: psycopg2.connect(dbname=database, **options)
