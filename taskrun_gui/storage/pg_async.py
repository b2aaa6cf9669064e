"""Round trips on a psycopg2 connection in asynchronous mode, each waited for with a deadline
(select() on the socket): the task slots ask the server from the host's home thread (the
window's UI thread) under the run board's lock, and a server that stops answering mid-request
(a stopped process, a network that vanished) must cost the caller a moment, not the ~25 s
libpq would wait for the TCP timeout."""

from __future__ import annotations

import select
import time
from collections.abc import Sequence
from typing import Any

import psycopg2
import psycopg2.extensions


class Unanswered(Exception):
    """The server did not answer before the deadline: the connection is of no further use
    (what was in flight may or may not have been done), close it."""


def wait(conn: Any, deadline: float) -> None:
    """Until the connection's pending work (a connect, a query) is done, or Unanswered at
    `deadline` (time.monotonic()). The server's errors are raised as psycopg2 raises them."""
    while True:
        state = conn.poll()
        if state == psycopg2.extensions.POLL_OK:
            return
        left = deadline - time.monotonic()
        if left <= 0:
            raise Unanswered("no answer from the server in time")
        fd = conn.fileno()
        if state == psycopg2.extensions.POLL_READ:
            select.select([fd], [], [], left)
        elif state == psycopg2.extensions.POLL_WRITE:
            select.select([], [fd], [], left)
        else:  # pragma: no cover - psycopg2 documents no other state
            raise psycopg2.OperationalError(f"bad poll state {state}")


def fetch_one(conn: Any, sql: str, params: Sequence[object], deadline: float) -> Any:
    """The first row of one statement (None when it returns none), within the deadline."""
    with conn.cursor() as cur:
        cur.execute(sql, tuple(params))
        wait(conn, deadline)
        return cur.fetchone() if cur.description else None
