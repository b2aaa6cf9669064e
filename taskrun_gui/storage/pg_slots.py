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
that does not answer never stalls the caller (the window's UI thread dispatches too). Every
round trip is asynchronous and waited for at most ROUND_TRIP_S (pg_async): a server that
stops answering mid-request costs the caller that, and the connection is closed (the server
frees what it held, a grant in flight included).

While the server cannot be reached (a connect failed, a round trip went unanswered) the node
is in an outage: its runs still start, on this machine's own file-lock slots (file_locks
TaskSlots in the data dir's locks folder), so `max_concurrent` and the history-wide limit
hold on this machine only; one warning line says so per outage. Once a connection is made
again, new slots come from the server again; those taken locally are freed locally, and
until then they count against this node's server slots of the same task (and its share of
the history-wide limit), which other nodes cannot see."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import psycopg2

from taskrun_gui.core.limits import MAX_RUNNING_CAP
from taskrun_gui.core.nodes import LEASE_S
from taskrun_gui.storage.file_locks import FileLock, TaskSlots
from taskrun_gui.storage.history_limits import MAX_RUNNING
from taskrun_gui.storage.pg_async import Unanswered, fetch_one, wait

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
ROUND_TRIP_S = 0.5  # an acquisition's (a release's) questions to the server, at most
CONNECT_S = 10.0  # a connection (on the slots' own thread) is given up after this
# the connection, or what it ran, failed; or the server did not answer in time
LOST = (psycopg2.DatabaseError, psycopg2.InterfaceError, Unanswered)
OUTAGE_NOTE = "limits hold on this machine only until the server is back"

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
    """The slots one run holds (its task's, and a history-wide one when a limit is set), on
    the server, or (`local`) this machine's file-lock slot taken during an outage."""

    __slots__ = ("_owner", "_released", "generation", "keys", "local")

    def __init__(
        self,
        owner: PgSlots,
        keys: tuple[int, ...],
        generation: int,
        local: FileLock | None = None,
    ) -> None:
        self._owner = owner
        self.keys = keys
        self.generation = generation  # the connection they were taken on
        self.local = local
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._owner.release(self)


class PgSlots:
    """The slots of this node, on its own connection (see the module doc). Thread-safe: one
    lock guards the connection and what it holds."""

    def __init__(self, connect: Callable[[], Any], locks_dir: Path) -> None:
        """`connect`: a new asynchronous psycopg2 connection to the history, not waited for
        (see slot_connection); `locks_dir`: the data dir's locks, this machine's slots
        during an outage."""
        self._connect = connect
        self._local = TaskSlots(locks_dir)
        self._lock = threading.Lock()
        self._conn: Any = None
        self._generation = 0
        self._held: set[int] = set()  # keys held on the current connection
        self._limit: tuple[float, int | None] | None = None  # (read at, history-wide limit)
        self._full_until = 0.0  # monotonic: every history-wide slot was taken a moment ago
        self._connecting: threading.Thread | None = None
        self._next_connect = 0.0  # monotonic: no attempt before (after a failure)
        self._first: threading.Thread | None = None  # the first connect, waited for once
        self._outage = False  # the server cannot be reached (said once): slots are local
        self._closed = False

    # -- Slots ------------------------------------------------------------------------------
    def acquire(self, task_id: int, max_concurrent: int) -> PgSlotLock | None:
        return self._take(task_id, None, max_concurrent)

    def acquire_on(self, host: str, task_id: int, max_concurrent: int) -> PgSlotLock | None:
        return self._take(task_id, host, max_concurrent)

    def close(self) -> None:
        """Free every slot (the session ends, the slot files close) and take no more."""
        with self._lock:
            self._closed = True
            self._drop(None)
            self._local.close()

    # -- the slots --------------------------------------------------------------------------
    def _take(self, task_id: int, host: str | None, max_concurrent: int) -> PgSlotLock | None:
        """On the server; while it cannot be reached, on this machine (the module doc); while
        a connection is being made with no failure known yet, none (the run tries again)."""
        self._first_connect()
        with self._lock:
            if self._closed:
                return None
            conn = self._connection()
            if conn is not None:
                deadline = time.monotonic() + ROUND_TRIP_S
                try:
                    taken = self._take_on(conn, task_id, host, max_concurrent, deadline)
                except LOST as exc:
                    self._drop(exc)
                else:
                    return None if taken is None else PgSlotLock(self, taken, self._generation)
            if not self._outage:
                return None
            return self._take_here(task_id, host, max_concurrent)

    def _take_here(self, task_id: int, host: str | None, max_concurrent: int) -> PgSlotLock | None:
        """A file-lock slot of this machine (during an outage): the task's `max_concurrent`,
        and the history-wide limit last read, held over this machine's runs."""
        limit = None if self._limit is None else self._limit[1]
        if limit is not None and self._local.holding_total() >= limit:
            return None
        local = self._local.take(task_id, host, max_concurrent)
        return None if local is None else PgSlotLock(self, (), self._generation, local)

    def _take_on(
        self, conn: Any, task_id: int, host: str | None, max_concurrent: int, deadline: float
    ) -> tuple[int, ...] | None:
        """A task slot, then a history-wide one when there is a limit; none of either. The
        history-wide slots found all taken are not asked again for GLOBAL_FULL_S (unless
        this node frees one): a queue of many tasks would ask for each of them. Slots still
        held on this machine from an outage count as this node's (nobody else sees them)."""
        limit = self._history_limit(conn, deadline)
        if limit is not None and time.monotonic() < self._full_until:
            return None
        keys = task_keys(task_id, host, max_concurrent)
        here = self._local.holding(task_id, host)
        if here and here + len(self._held.intersection(keys)) >= len(keys):
            return None
        task = self._first_free(conn, keys, deadline)
        if task is None or limit is None:
            return None if task is None else (task,)
        shared_keys = global_keys(limit)
        here = self._local.holding_total()
        if here and here + len(self._held.intersection(shared_keys)) >= limit:
            shared = None
        else:
            shared = self._first_free(conn, shared_keys, deadline)
        if shared is None:
            self._full_until = time.monotonic() + GLOBAL_FULL_S
            self._unlock(conn, task, deadline)
            return None
        return (task, shared)

    def _first_free(self, conn: Any, keys: Sequence[int], deadline: float) -> int | None:
        """Take the first of `keys` free everywhere. A key this session holds is skipped
        without asking: a session's advisory locks stack, so the server would grant it."""
        for key in keys:
            if key in self._held:
                continue
            if fetch_one(conn, "SELECT pg_try_advisory_lock(%s)", (key,), deadline)[0]:
                self._held.add(key)
                return key
        return None

    def _unlock(self, conn: Any, key: int, deadline: float) -> None:
        self._held.discard(key)
        fetch_one(conn, "SELECT pg_advisory_unlock(%s)", (key,), deadline)

    def _history_limit(self, conn: Any, deadline: float) -> int | None:
        now = time.monotonic()
        if self._limit is None or now - self._limit[0] >= LIMIT_TTL_S:
            sql = "SELECT value FROM history_limit WHERE name = %s"
            row = fetch_one(conn, sql, (MAX_RUNNING,), deadline)
            self._limit = (now, None if row is None or row[0] < 1 else int(row[0]))
        return self._limit[1]

    def release(self, lock: PgSlotLock) -> None:
        """Free a run's slots; those of a lost connection are gone already (the server freed
        them, and this session may hold the same keys again for other runs). One taken on
        this machine during an outage is freed here, whatever the server."""
        with self._lock:
            if lock.local is not None:
                lock.local.release()
                return
            if lock.generation != self._generation or self._conn is None:
                return
            self._full_until = 0.0  # a history-wide slot of ours is free again
            deadline = time.monotonic() + ROUND_TRIP_S
            try:
                for key in lock.keys:
                    self._unlock(self._conn, key, deadline)
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
        """A new connection set up for slots (asynchronous: always in autocommit), or None
        (the outage begins, said once)."""
        conn = None
        deadline = time.monotonic() + CONNECT_S
        try:
            conn = self._connect()
            wait(conn, deadline)
            for statement in SESSION_SETTINGS:
                fetch_one(conn, statement, (), deadline)
        except LOST as exc:
            if conn is not None:
                _close(conn)
            with self._lock:
                self._begin_outage(f"cannot connect for the task slots: {_first_line(exc)}")
            return None
        return conn

    def _begin_outage(self, why: str) -> None:
        """Under the lock: slots are taken on this machine until a connection is made; said
        once per outage, not once a second."""
        if not self._outage:
            self._outage = True
            log.warning("%s; %s", why, OUTAGE_NOTE)

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
        if self._outage:
            self._outage = False
            log.info("the task slots reach the history database again: limits hold over every node")

    def _drop(self, exc: BaseException | None) -> None:
        """The connection is gone (or closed by us): so are its slots."""
        conn, self._conn = self._conn, None
        if conn is not None and exc is not None and self._held:
            log.warning(
                "the task slots' connection to the history database was lost (%s): the server "
                "freed this node's %d slots; runs already going keep going",
                _first_line(exc),
                len(self._held),
            )
        if conn is not None and isinstance(exc, Unanswered):
            self._begin_outage(f"the history database did not answer within {ROUND_TRIP_S} s")
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
    options.pop("connect_timeout", None)  # not applied to an asynchronous connect: CONNECT_S
    return lambda: psycopg2.connect(dbname=database, async_=1, **options)
