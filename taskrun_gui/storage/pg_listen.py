"""Every node sees every run within a second on a shared PostgreSQL history: a trigger on the
run table (migration `_v9_run_notify`) sends `pg_notify(CHANNEL, 'id:status:node:control')`
when a run is queued or its status, node or control request changes, and one listener per
process hears it on a connection of its own and wakes whoever follows the store (the host's
poller, a window's watcher and views, `taskrun run --wait`).

A notification is a hint, never the record: the store stays the truth and every subscriber
keeps its poll as a slower fallback. A notification lost (the server restarted, the network
went away, the listener was not yet listening) only delays; when the connection comes back
(and when it is first made) subscribers are told to look again, since something may have
changed unseen. On SQLite there is nothing to listen to: `subscribe` returns None and the
polls stay what they were.

The listener thread select()s on its connection's socket with a short timeout and a
self-pipe, so stopping is prompt; losing the server, it reconnects with a growing pause."""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from taskrun_gui.core.nodes import ANY_NODE
from taskrun_gui.storage.db_url import DbUrl

log = logging.getLogger(__name__)
CHANNEL = "taskrun_run"
APPLICATION_NAME = "taskrun-listen"  # how the listener's session shows in pg_stat_activity
POLL_ENV = "TASKRUN_POLL_S"  # the fallback poll interval of hosts and watchers, in seconds
CONNECT_TIMEOUT_S = 3  # a listener that cannot connect tries again soon anyway
BACKOFF_S = (0.2, 0.5, 1.0, 2.0, 5.0)  # pauses between reconnection attempts, the last kept
SELECT_S = 5.0  # silence this long: ask the server whether it is still there


@dataclass(frozen=True)
class RunNotice:
    """One run's change as the trigger told it: enough to decide whether to look."""

    run_id: int
    status: str
    node: str | None
    control: str | None

    def for_node(self, node: str) -> bool:
        """The host of `node` has something to do: a run queued for it (or for any node), or
        a control request (cancel, pause, resume) on one of its runs."""
        if self.status == "queued" and self.node in (node, ANY_NODE, None):
            return True
        return self.control is not None and self.node in (node, None)


def parse(payload: str) -> RunNotice | None:
    """A trigger's payload ('id:status:node:control'; a node name may hold ':')."""
    head, sep, tail = payload.partition(":")
    status, sep2, rest = tail.partition(":")
    node, _, control = rest.rpartition(":")
    if not sep or not sep2 or not head.isdigit():
        return None
    return RunNotice(int(head), status, node or None, control or None)


NoticeCallback = Callable[[list[RunNotice], bool], None]  # (notices, look again)


def poll_interval(url: DbUrl | None, default: float) -> float:
    """The interval of a fallback poll on a shared server, where notifications bring the
    changes: $TASKRUN_POLL_S when set to a positive number (a long one costs only the delay
    of a lost notification; the heartbeat and the schedules keep their own pace), else
    `default`. On SQLite, always `default`."""
    if url is None:
        return default
    try:
        value = float(os.environ.get(POLL_ENV, ""))
    except ValueError:
        return default
    return value if value > 0 else default


def _connect(url: DbUrl) -> Any:
    import psycopg2

    conn = psycopg2.connect(
        dbname=url.dbname,
        connect_timeout=CONNECT_TIMEOUT_S,
        application_name=APPLICATION_NAME,
        keepalives=1,  # a network gone silent is noticed in seconds, not hours
        keepalives_idle=10,
        keepalives_interval=5,
        keepalives_count=3,
        **url.connect_params(),
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"LISTEN {CHANNEL}")
    return conn


class RunListener:
    """One connection LISTENing on CHANNEL, one thread, any number of subscribers (each called
    on the listener's thread: a subscriber only hands over, to its own thread or a queued
    signal)."""

    def __init__(self, url: DbUrl) -> None:
        self.url = url
        self._subscribers: list[NoticeCallback] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake_r, self._wake_w = os.pipe()  # stop() ends a select() at once
        self._pipe_open = True
        self.connected = threading.Event()  # listening now
        self._thread = threading.Thread(target=self._loop, name="taskrun-listen", daemon=True)

    def subscribe(self, callback: NoticeCallback) -> None:
        with self._lock:
            self._subscribers.append(callback)

    def unsubscribe(self, callback: NoticeCallback) -> int:
        """The subscribers left."""
        with self._lock:
            with contextlib.suppress(ValueError):
                self._subscribers.remove(callback)
            return len(self._subscribers)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Prompt, unless a connection attempt is under way (at most CONNECT_TIMEOUT_S):
        then the thread ends by itself right after it."""
        self._stop.set()
        with self._lock:
            if self._pipe_open:
                with contextlib.suppress(OSError):
                    os.write(self._wake_w, b"!")
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(CONNECT_TIMEOUT_S + 1)

    def _close_pipe(self) -> None:
        with self._lock:
            if self._pipe_open:
                self._pipe_open = False
                os.close(self._wake_r)
                os.close(self._wake_w)

    def _tell(self, notices: list[RunNotice], look_again: bool) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(notices, look_again)
            except Exception:  # one subscriber's trouble is not the others'
                log.exception("a run notice subscriber failed")

    def _loop(self) -> None:
        try:
            self._serve()
        finally:
            self._close_pipe()

    def _serve(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            try:
                conn = _connect(self.url)
            except Exception as exc:
                self._log_trouble(exc)
                self._pause(BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)])
                attempt += 1
                continue
            attempt = 0
            self.connected.set()
            self._tell([], True)  # what changed while nobody listened
            try:
                self._listen(conn)
            except Exception as exc:  # the server went away: reconnect
                self._log_trouble(exc)
            finally:
                self.connected.clear()
                with contextlib.suppress(Exception):
                    conn.close()

    def _log_trouble(self, exc: BaseException) -> None:
        """Why listening stopped or did not start (the password, if any, masked)."""
        text = str(exc).strip()
        if self.url.password:
            text = text.replace(self.url.password, "***")
        log.debug("listening on %s: %s", self.url.redacted(), text)

    def _pause(self, seconds: float) -> None:
        """Wait, ending early when stopped."""
        with contextlib.suppress(OSError, ValueError):
            select.select([self._wake_r], [], [], seconds)

    def _listen(self, conn: Any) -> None:
        """Until stopped (returns) or the connection fails (raises)."""
        while not self._stop.is_set():
            ready, _, _ = select.select([conn, self._wake_r], [], [], SELECT_S)
            if self._stop.is_set():
                return
            if not ready:
                with conn.cursor() as cur:  # silence: is the server still there?
                    cur.execute("SELECT 1")
            conn.poll()
            notices = [n for note in conn.notifies if (n := parse(note.payload)) is not None]
            conn.notifies.clear()
            if notices:
                self._tell(notices, False)


class Subscription:
    """A subscriber's hold on its process's listener of a history: close() lets it go (the
    last one stops the listener)."""

    def __init__(self, key: str, listener: RunListener, callback: NoticeCallback) -> None:
        self._key = key
        self.listener = listener
        self._callback: NoticeCallback | None = callback

    def close(self) -> None:
        if self._callback is None:
            return
        callback, self._callback = self._callback, None
        with _registry_lock:
            if self.listener.unsubscribe(callback) == 0 and _listeners.get(self._key) is (
                self.listener
            ):
                del _listeners[self._key]
            else:
                return
        self.listener.stop()


_listeners: dict[str, RunListener] = {}
_registry_lock = threading.Lock()


def subscribe(url: DbUrl | None, callback: NoticeCallback) -> Subscription | None:
    """Follow the run changes of the history at `url` (None, SQLite: nothing to follow, so
    None). The listener is the process's one for that history, started by its first
    subscriber."""
    if url is None:
        return None
    key = url.redacted()
    with _registry_lock:
        listener = _listeners.get(key)
        fresh = listener is None
        if listener is None:
            listener = _listeners[key] = RunListener(url)
        listener.subscribe(callback)
        if fresh:
            listener.start()
    return Subscription(key, listener, callback)
