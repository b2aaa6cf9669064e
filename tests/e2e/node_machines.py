"""A host of a node on another machine, beating on the session's PostgreSQL (for the tests of
node names); the machines themselves are tests/e2e/machines.py's."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

from taskrun_gui.storage.db import Store


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
