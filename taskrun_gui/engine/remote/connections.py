"""SSH connections to the inventory's hosts: how one is opened (pinned host key, keys and the
agent, OpenSSH's ~/.ssh/config) and a per-host pool, so a batch of runs on one host shares one
connection instead of a handshake each.

asyncssh runs on one event loop in a thread of its own ("taskrun-ssh"); the runs' worker
threads wait on it (`call`). A connection with runs is kept; one left idle closes after
IDLE_CLOSE_S. Sessions per connection stay under OpenSSH's MaxSessions (10); a server with
fewer (hardened set-ups: 2-4) gets more connections."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncssh

from taskrun_gui.core.hosts import HostDef

T = TypeVar("T")
IDLE_CLOSE_S = 30.0
FAILED_MEMORY_S = 5.0  # a host that just failed to connect fails its waiters at once
MAX_SESSIONS = 8


def _env_seconds(name: str, default: float) -> float:
    try:
        return max(0.1, float(os.environ.get(name, default)))
    except ValueError:
        return default


def keepalive_s() -> float:
    """Seconds between keepalives (TASKRUN_SSH_KEEPALIVE, default 10); three missed ones end
    the connection, and its runs fail with error type `connection`."""
    return _env_seconds("TASKRUN_SSH_KEEPALIVE", 10.0)


class RemoteError(Exception):
    """A host that cannot be reached or logged in to; the text is one line for the user."""


def fingerprint(key_line: str) -> str:
    try:
        key = asyncssh.import_public_key(key_line)
    except (asyncssh.KeyImportError, ValueError):
        return "an unreadable key"
    return f"{key.get_algorithm()} {key.get_fingerprint('sha256')}"


def connect_options(host: HostDef) -> dict[str, Any]:
    """asyncssh.connect's keywords for `host`: only its pinned key is trusted."""
    opts: dict[str, Any] = {
        "known_hosts": ([asyncssh.import_public_key(host.host_key)], [], []),
        "keepalive_interval": keepalive_s(),
        "keepalive_count_max": 3,
        "connect_timeout": _env_seconds("TASKRUN_SSH_CONNECT_TIMEOUT", 15.0),
    }
    if host.user:
        opts["username"] = host.user
    if host.port:
        opts["port"] = host.port
    if host.identity:
        opts["client_keys"] = [os.path.expanduser(host.identity)]
    return opts


def explain(host: HostDef, exc: BaseException) -> str:
    """One line on why `host` could not be used."""
    where = f"host {host.name} ({host.target})"
    if isinstance(exc, asyncssh.HostKeyNotVerifiable):
        return (
            f"{where}: its host key changed since it was added (pinned: "
            f"{fingerprint(host.host_key)}); refusing to connect. If the change is expected, "
            f"`taskrun host rm {host.name}` and add it again"
        )
    if isinstance(exc, asyncssh.PermissionDenied):
        return f"{where}: login refused (no accepted key: check --identity or the ssh agent)"
    if isinstance(exc, asyncssh.KeyImportError):
        return (
            f"{where}: the identity {host.identity} cannot be read ({exc}); a key with a "
            "passphrase goes to the ssh agent (ssh-add), not --identity"
        )
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        return f"{where}: no answer (connection timed out)"
    if isinstance(exc, OSError):
        return f"{where}: cannot connect: {exc.strerror or exc}"
    return f"{where}: {exc}"


@dataclass
class _Pooled:
    conn: asyncssh.SSHClientConnection
    users: int = 0
    cap: int = MAX_SESSIONS  # lowered when the server refuses one more (its MaxSessions)
    idle_close: asyncio.TimerHandle | None = None


@dataclass
class ConnectionPool:
    """One loop thread and the open connections, by host definition."""

    opened: int = 0  # connections opened so far (the bench and tests count them)
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _guard: threading.Lock = field(default_factory=threading.Lock)
    _conns: dict[tuple[Any, ...], list[_Pooled]] = field(default_factory=dict)
    _locks: dict[tuple[Any, ...], asyncio.Lock] = field(default_factory=dict)
    _failed: dict[tuple[Any, ...], tuple[float, str]] = field(default_factory=dict)

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._guard:
            if self._loop is None or self._thread is None or not self._thread.is_alive():
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="taskrun-ssh", daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    def submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop())

    def call(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run `coro` on the loop and wait for it from this (worker) thread."""
        return self.submit(coro).result(timeout)

    @staticmethod
    def _key(host: HostDef) -> tuple[Any, ...]:
        return (host.name, host.address, host.user, host.port, host.identity, host.host_key)

    async def acquire(self, host: HostDef) -> asyncssh.SSHClientConnection:
        """A connection to `host` with a session free; opened when none has one. Raises
        RemoteError."""
        key = self._key(host)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:  # a batch starting at once opens one connection, not one each
            pooled = self._conns.setdefault(key, [])
            pooled[:] = [p for p in pooled if not p.conn.is_closed()]
            for p in pooled:
                if p.users < p.cap:
                    break
            else:
                conn = await self._connect(key, host)
                p = _Pooled(conn)
                pooled.append(p)
            p.users += 1
            if p.idle_close is not None:
                p.idle_close.cancel()
                p.idle_close = None
            return p.conn

    async def _connect(self, key: tuple[Any, ...], host: HostDef) -> asyncssh.SSHClientConnection:
        """A new connection; a failure is remembered for FAILED_MEMORY_S, so the runs queued
        behind the lock fail with it instead of each waiting out its own connect timeout."""
        loop = asyncio.get_running_loop()
        failed = self._failed.get(key)
        if failed is not None and loop.time() - failed[0] < FAILED_MEMORY_S:
            raise RemoteError(failed[1])
        try:
            conn = await asyncssh.connect(host.address, **connect_options(host))
        except (OSError, asyncssh.Error, asyncssh.KeyImportError, ValueError) as exc:
            why = explain(host, exc)
            self._failed[key] = (loop.time(), why)
            raise RemoteError(why) from exc
        self._failed.pop(key, None)
        self.opened += 1
        return conn

    def _find(self, host: HostDef, conn: asyncssh.SSHClientConnection) -> _Pooled | None:
        return next((p for p in self._conns.get(self._key(host), []) if p.conn is conn), None)

    def refused(self, host: HostDef, conn: asyncssh.SSHClientConnection) -> bool:
        """On the loop: the server refused `conn` one more channel (a MaxSessions below ours):
        cap it at the runs it has besides this one, so the next try opens another connection.
        False when it has no other (a refusal that another connection would get too)."""
        p = self._find(host, conn)
        if p is None or p.users <= 1:
            return False
        p.cap = min(p.cap, p.users - 1)
        return True

    def release(self, host: HostDef, conn: asyncssh.SSHClientConnection) -> None:
        """On the loop: a run is done with `conn`; close it once idle for IDLE_CLOSE_S."""
        p = self._find(host, conn)
        if p is None:
            return
        p.users -= 1
        if p.users <= 0 and self._loop is not None:
            p.idle_close = self._loop.call_later(IDLE_CLOSE_S, conn.close)

    def close(self) -> None:
        """Close every connection and stop the loop thread (a host shutting down, tests)."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return

        async def close_all() -> None:
            for pooled in self._conns.values():
                for p in pooled:
                    p.conn.close()
                    await p.conn.wait_closed()
            self._conns.clear()
            self._locks.clear()
            self._failed.clear()

        if thread.is_alive():
            asyncio.run_coroutine_threadsafe(close_all(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)
        loop.close()
        self._loop = self._thread = None


POOL = ConnectionPool()
