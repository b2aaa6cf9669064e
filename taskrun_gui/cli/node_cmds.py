"""`taskrun nodes`: the TaskRun hosts on this history, their state and their runs; on a shared
history also its limit of runs at once over every node (`--max-running N` sets it)."""

from __future__ import annotations

import argparse

from taskrun_gui.cli.common import fail, print_json, print_table
from taskrun_gui.core.nodes import node_name
from taskrun_gui.core.timefmt import local_text, ms_to_iso
from taskrun_gui.engine.locks import host_alive, host_pid
from taskrun_gui.storage import history_limits, nodes_repo
from taskrun_gui.storage.db import Store


def cmd_nodes(store: Store, a: argparse.Namespace) -> int:
    if a.max_running is not None:
        return _set_max_running(store, a.max_running)
    if store.url is None:  # one machine: the host lock says whether its host is there
        alive = host_alive(store.locks_dir)
        nodes = nodes_repo.list_local(node_name(), host_pid(store.locks_dir) if alive else None)
    else:
        nodes = nodes_repo.list_nodes()
    if a.json:
        print_json(
            [
                {
                    "name": n.name,
                    "state": "online" if n.online else "offline",
                    "last_heartbeat": ms_to_iso(n.heartbeat_at),
                    "started_at": ms_to_iso(n.started_at),
                    "pid": n.pid,
                    "running": n.running,
                    "queued": n.queued,
                }
                for n in nodes
            ]
        )
        return 0
    print_table(
        ["NODE", "STATE", "LAST HEARTBEAT", "RUNNING", "QUEUED"],
        [
            [
                n.name,
                "online" if n.online else "offline",
                local_text(n.heartbeat_at) if n.heartbeat_at is not None else "-",
                str(n.running),
                str(n.queued),
            ]
            for n in nodes
        ],
    )
    if store.url is not None:
        print(_limit_line(history_limits.max_running() or 0))
    return 0


def _set_max_running(store: Store, limit: int) -> int:
    """A history-wide limit needs a shared history: one machine's has its host's workers."""
    if store.url is None:
        fail(
            "--max-running: only for a history shared on PostgreSQL (--db); a data dir's own "
            "history runs as many at once as its host's --workers (Settings: Runs at once)",
            2,
        )
    history_limits.set_max_running(limit)
    print(_limit_line(limit))
    return 0


def _limit_line(limit: int) -> str:
    return f"runs at once over every node: {f'at most {limit}' if limit else 'no limit'}"
