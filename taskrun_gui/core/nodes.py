"""Nodes: each TaskRun host on a history (a window or `taskrun daemon`) has a name, by
default the machine's host name (--node NAME, $TASKRUN_NODE), and a heartbeat; a run is
queued for the node that queued it. On a data dir's own SQLite file every process of the
machine is one node; on a shared PostgreSQL history each machine is one."""

from __future__ import annotations

import argparse
import os
import socket

ENV = "TASKRUN_NODE"
MAX_NAME = 100
HEARTBEAT_S = 5.0  # how often a host says it is there
LEASE_S = 30.0  # a node silent this long (the server's clock) is offline
ANY_NODE = "any"  # `run --node any`: the first node with a free slot takes it


def node_name() -> str:
    """This process's node: $TASKRUN_NODE (what --node sets), else the host name."""
    return os.environ.get(ENV) or socket.gethostname() or "localhost"


def check_name(name: str) -> str | None:
    """Why `name` cannot name a node (None: it can)."""
    if not name.strip() or name != name.strip():
        return "must be a name without leading or trailing spaces"
    if name == ANY_NODE:
        return f'"{ANY_NODE}" stands for any node: it cannot name one'
    if len(name) > MAX_NAME:
        return f"must be at most {MAX_NAME} characters"
    if any(not ch.isprintable() for ch in name):
        return "must be printable characters"
    return None


def argument(text: str) -> str:
    """--node as an argparse type (the CLI's and the window's)."""
    problem = check_name(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return text


def target_argument(text: str) -> str:
    """`run --node` as an argparse type: a node name, or ANY_NODE."""
    return text if text == ANY_NODE else argument(text)


def default_argument(text: str) -> str:
    """`task add/edit --node` as an argparse type: a node name, ANY_NODE, or "" (none)."""
    return text if text == "" else target_argument(text)
