"""Two machines on the session's PostgreSQL (tests/e2e/test_shared_nodes.py's Machines): a
context that stops the daemons it started, for the tests of node defaults and secrets."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

from taskrun_gui.storage.db import Store
from tests.e2e.test_shared_nodes import Machines


@contextlib.contextmanager
def machines_on(url: str, root: Path, serving: tuple[str, ...]) -> Iterator[Machines]:
    """alpha and beta, each a data dir of its own; a daemon for each node in `serving`."""
    m = Machines(url, {n: root / n for n in ("alpha", "beta")}, {})
    try:
        for node in serving:
            m.start(node)
        yield m
    finally:
        for proc in m.daemons.values():
            _stop(proc)


def _stop(proc: subprocess.Popen[str]) -> None:
    """SIGTERM, as a user stops a daemon, and its exit awaited."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


@contextlib.contextmanager
def beating_elsewhere(data: Path, url: str, name: str, pid: int = 4242) -> Iterator[None]:
    """A host of node `name` on another machine (another boot id), beating every 0.1 s by
    the database's clock while the block runs."""
    stop = threading.Event()
    store = Store(data, url).open()
    now = store.backend.now_ms_sql()
    store.backend.execute(
        store.db,
        f"INSERT INTO node (name, heartbeat_at, started_at, pid, boot_id)"
        f" VALUES (?, {now}, {now}, ?, 'elsewhere')",
        [name, pid],
    )
    store.close()

    def beat() -> None:
        beating = Store(data, url).open()
        try:
            while not stop.wait(0.1):
                beating.backend.execute(
                    beating.db, f"UPDATE node SET heartbeat_at = {now} WHERE name = ?", [name]
                )
        finally:
            beating.close()

    thread = threading.Thread(target=beat, name="beating-elsewhere")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(10)
