"""What every `taskrun` command shares: opening the store, errors as one line, output (the
range-checked values of its options are in cli/options.py)."""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from taskrun_gui.cli.options import duration_seconds
from taskrun_gui.engine.recovery import recover_if_no_host
from taskrun_gui.storage.db import LockWait, Store, open_store, resolve_data_dir
from taskrun_gui.storage.writer import replay_spool

STORE_WAIT_S = 30.0  # how long a command waits for another process's write lock, in all


class CliError(Exception):
    """A problem to tell the user in one line; exit code 1 unless said otherwise."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, code: int = 1) -> NoReturn:
    raise CliError(message, code)


def _on_store_wait() -> None:
    print(
        "taskrun: waiting for the history store: another process is writing to it…",
        file=sys.stderr,
        flush=True,
    )


def _store_wait_budget() -> float:
    try:
        budget = float(os.environ.get("TASKRUN_STORE_WAIT_S", STORE_WAIT_S))
    except ValueError:
        return STORE_WAIT_S
    return budget if math.isfinite(budget) and budget >= 0 else STORE_WAIT_S


def command_lock_wait() -> LockWait:
    """How a command waits for another process's write lock: bounded, said once on stderr
    (a host doing a command for a thin client waits the same way on that thread)."""
    return LockWait(_on_store_wait, _store_wait_budget())


def store_for_command(data_dir: str | None, writing: bool = False) -> Store:
    """storage.db.open_store with this thread waiting (bounded, said once on stderr) for
    another process's write lock; then what a command needs that a host would do: runs of a
    dead host recovered, spooled records replayed."""
    store = open_store(resolve_data_dir(data_dir), command_lock_wait(), writing)
    if store.open_error:
        warn(store.open_error)
    recover_if_no_host(store)
    replay_and_tell(store)
    return store


def replay_and_tell(store: Store) -> None:
    """What earlier processes could not write, written before the command looks (a host
    doing a command for a thin client does it too: the same answer, the same warning)."""
    if replay_spool(store):
        warn("some run records are still waiting for the history store to accept writes")


def tasks_named(names: list[str]) -> str:
    """ "task 'a'" or "tasks 'a', 'b'": the tasks a message is about."""
    return ("task " if len(names) == 1 else "tasks ") + ", ".join(repr(n) for n in names)


def warn(message: str) -> None:
    print(f"taskrun: warning: {message}", file=sys.stderr)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def key_values(items: list[str], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(f"{what} {item!r} must look like NAME=VALUE")
        out[key] = value
    return out


def parse_duration(text: str) -> int:
    try:
        return duration_seconds(text)
    except ValueError as exc:
        fail(f"--every: {exc}")


T = TypeVar("T")
OUTAGE_RETRY_S = 1.0
OUTAGE_LIMIT_S = 600.0  # then the error ends the wait: an outage this long is no restart


def through_outages(store: Store, read: Callable[[], T]) -> T:
    """A read a waiting command makes again and again (`run --wait`, `log --follow`): a
    shared history's server out of reach for a while (a restart) is waited for, said once,
    instead of ending the wait with exit 1 while the run goes on. The connection is opened
    again on the next use (storage/pg_reconnect.py)."""
    from peewee import OperationalError

    said = False
    since = time.monotonic()
    while True:
        try:
            return read()
        except OperationalError as exc:
            if not (store.url and _server_away(exc)) or time.monotonic() - since > OUTAGE_LIMIT_S:
                raise
            if not said:
                warn(f"the history store is out of reach ({one_line(exc)}); still waiting")
                said = True
            time.sleep(OUTAGE_RETRY_S)


_REFUSALS = (  # libpq's words for a server that answers but will not have us (English)
    "authentication failed",
    "does not exist",
    "no password supplied",
    "permission",
    "pg_hba",
    "not permitted",
    "ssl",
    "could not translate host name",
)


def _server_away(exc: BaseException) -> bool:
    """The server is out of reach or restarting (worth waiting for), not refusing us: a
    wrong password or a dropped database would be waited for in vain. SQLSTATE 08 is a
    connection exception, 57P01-57P03 a server shutting down or starting; a failure to
    connect has no SQLSTATE and says why in its text."""
    orig = getattr(exc, "orig", None) or exc  # peewee keeps the driver's error there
    code = getattr(orig, "pgcode", None)
    if code is not None:
        return str(code).startswith("08") or code in ("57P01", "57P02", "57P03")
    text = str(orig).lower()
    return not any(refusal in text for refusal in _REFUSALS)


def one_line(exc: BaseException) -> str:
    """A driver's message of several lines (psycopg2's "…failed: Connection refused / Is the
    server running…") as one."""
    text = str(exc) or str(getattr(exc, "orig", ""))
    return " ".join(part.strip() for part in text.splitlines() if part.strip())
