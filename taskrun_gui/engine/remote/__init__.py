"""Runs on other machines over SSH (hosts, batches, clean stop). `on_host` is what
engine/runner.py calls where it would start a local process."""

from __future__ import annotations

import sys


def close_connections() -> None:
    """Close the pooled SSH connections and their loop thread, if this process opened any
    (without loading asyncssh when it did not)."""
    connections = sys.modules.get("taskrun_gui.engine.remote.connections")
    if connections is not None:
        connections.POOL.close()
