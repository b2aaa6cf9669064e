"""`taskrun nodes`: the TaskRun hosts on this history, their state and their runs."""

from __future__ import annotations

import argparse

from taskrun_gui.cli.common import print_json, print_table
from taskrun_gui.core.nodes import node_name
from taskrun_gui.core.timefmt import local_text, ms_to_iso
from taskrun_gui.engine.locks import host_alive, host_pid
from taskrun_gui.storage import nodes_repo
from taskrun_gui.storage.db import Store


def cmd_nodes(store: Store, a: argparse.Namespace) -> int:
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
    return 0
