"""Two machines on the session's PostgreSQL (tests/e2e/test_shared_nodes.py's Machines): a
context that stops the daemons it started, for the tests of node defaults and secrets."""

from __future__ import annotations

import contextlib
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

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
