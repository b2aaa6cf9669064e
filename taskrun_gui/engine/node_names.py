"""One host process per node name on a shared history. Two hosts under one name (a cloned
machine keeps its host name; two data dirs given the same --node) would each take the
other's runs for their own: recover them as dead, claim runs queued for the node, stop
each other's processes. So before a host serves, the name's last heartbeat is looked at:
from another process and still within the lease, it is watched until the lease is over; a
host that beats again meanwhile is live, and this one is refused with a one-line reason. An
earlier host of this machine whose process is gone (a restart) is not waited for; "this
machine" is this boot and this pid namespace (core.nodes.boot_id: containers share a boot)."""

from __future__ import annotations

import logging
import os
import time

from taskrun_gui.core import nodes
from taskrun_gui.storage import nodes_repo
from taskrun_gui.storage.db import Store

log = logging.getLogger(__name__)
WATCH_STEP_S = 0.25


class NodeNameInUse(Exception):
    """Another live host process serves this node name; the message says how to fix it."""


def ensure_free(store: Store) -> None:
    """Raise NodeNameInUse when another live host beats this node's name."""
    problem = in_use(store)
    if problem is not None:
        raise NodeNameInUse(problem)


def in_use(store: Store) -> str | None:
    """Why this process cannot serve its node's name: another live host beats it (None: it
    can; on a data dir's own SQLite file the host lock is the one rule)."""
    if store.url is None:
        return None
    name = nodes.node_name()
    first = _holder(name)
    if first is None or first.age_ms >= nodes.lease_s() * 1000:
        return None  # never beat, or silent past its lease: offline
    if (first.boot, first.pid) == (nodes.boot_id(), os.getpid()):
        return None
    import psutil  # here: every command imports this module (its error), few get this far

    same_machine = first.boot == nodes.boot_id()
    if same_machine and (first.pid is None or not psutil.pid_exists(first.pid)):
        return None  # an earlier host of this machine, gone (a restart)
    if not _beats_again(name, first):
        return None  # stopped beating: gone (this machine before a reboot, or a host that quit)
    where = "of this machine" if same_machine else "on another machine"
    return (
        f"node {name} is already served by process {first.pid} {where}; give this host a "
        f"name of its own: --node NAME or ${nodes.ENV}"
    )


def _beats_again(name: str, first: nodes_repo.Holder) -> bool:
    """Whether the name's heartbeat moves before its lease is over (a host that is there
    beats every heartbeat_s; one that is gone is offline once the lease has passed)."""
    left = nodes.lease_s() - first.age_ms / 1000
    log.info(
        "node %s was beating from process %s %.0f s ago: waiting up to %.0f s for it to beat"
        " again or go quiet",
        name,
        first.pid,
        first.age_ms / 1000,
        left,
    )
    deadline = time.monotonic() + left
    while time.monotonic() < deadline:
        time.sleep(WATCH_STEP_S)
        now = _holder(name)
        if now is not None and now.heartbeat_at != first.heartbeat_at:
            return True
    return False


def _holder(name: str) -> nodes_repo.Holder | None:
    """Who last beat `name`; None also when the server cannot say (down at start: the host
    serves and its records wait, as for any outage; the check is for a live other host)."""
    try:
        return nodes_repo.holder(name)
    except Exception as exc:
        log.warning("cannot check whether node %s is served elsewhere: %s", name, exc)
        return None
