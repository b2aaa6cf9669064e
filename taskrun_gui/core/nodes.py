"""Nodes: each TaskRun host on a history (a window or `taskrun daemon`) has a name, by
default the machine's host name (--node NAME, $TASKRUN_NODE), and a heartbeat; a run is
queued for the node that queued it. On a data dir's own SQLite file every process of the
machine is one node; on a shared PostgreSQL history each machine is one."""

from __future__ import annotations

import argparse
import functools
import math
import os

ENV = "TASKRUN_NODE"
MAX_NAME = 100
HEARTBEAT_S = 5.0  # how often a host says it is there (a shorter lease: a fifth of it)
LEASE_S = 30.0  # a node silent this long (the server's clock) is offline, its runs taken over
LEASE_ENV = "TASKRUN_NODE_LEASE_S"  # a shorter (or longer) lease: for tests and tuning
LEASE_RANGE = (1.0, 3600.0)
ANY_NODE = "any"  # `run --node any`: the first node with a free slot takes it


def node_name() -> str:
    """This process's node: $TASKRUN_NODE (what --node sets), else the host name."""
    return os.environ.get(ENV) or _host_name()


@functools.cache
def _host_name() -> str:
    """The machine's host name, read once (each run's record asks for it): a host serves
    under one name for its life, so one renamed machine does not queue for a node whose
    host registered the old name."""
    import socket  # here: the window's frame shows without it

    return socket.gethostname() or "localhost"


@functools.cache
def boot_id() -> str:
    """This boot of this machine and this process's pid namespace: with a pid, which host
    process beats a node (a cloned machine boots with an id of its own, where its host name
    and machine id are copies; containers share the boot, not the pid namespace)."""
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as fh:
            boot = fh.read().strip()
    except OSError:  # not Linux: the host name is the best there is
        import socket

        return socket.gethostname()
    try:
        return f"{boot}/{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:
        return boot


def lease_problem() -> str | None:
    """Why $TASKRUN_NODE_LEASE_S cannot be the lease (None: it is unset or can be)."""
    text = os.environ.get(LEASE_ENV)
    if text is None:
        return None
    low, high = LEASE_RANGE
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not low <= value <= high:  # NaN too
        return f"{LEASE_ENV} must be a number of seconds from {low:g} to {high:g}, not {text!r}"
    return None


def lease_s() -> float:
    """Seconds without a heartbeat after which a node is offline and its runs are taken
    over (LEASE_S, or $TASKRUN_NODE_LEASE_S when valid: the CLI and the window refuse to
    start on an invalid one, see lease_problem)."""
    if lease_problem() is not None or LEASE_ENV not in os.environ:
        return LEASE_S
    return float(os.environ[LEASE_ENV])


def heartbeat_s() -> float:
    """How often a host beats: HEARTBEAT_S, or a fifth of a shorter lease (a node is never
    judged offline between two beats of a host that is there)."""
    return min(HEARTBEAT_S, lease_s() / 5)


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
