"""Processes a `taskrun` command starts to carry on after it returns: a `taskrun daemon
--exit-when-idle` for runs queued with nobody serving the data dir (after `taskrun run`
without --wait, and whenever runs are found stranded: their host died, or left as they were
being queued), and a detached `taskrun run --wait` when the queue cannot be written."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from taskrun_gui.core.nodes import node_name
from taskrun_gui.core.timefmt import now_ms
from taskrun_gui.engine.locks import host_alive
from taskrun_gui.storage import run_claims, runs_repo, unreplayed
from taskrun_gui.storage.db import Store

if TYPE_CHECKING:
    from taskrun_gui.engine.serving import ThreadHost

DAEMON_LOG = "daemon.out"


PARAMS_VAR = "TASKRUN_CLI_PARAMS"  # parameters handed to a detached run: not on its argv


def _cli(store: Store, workers: int | None) -> list[str]:
    argv = [sys.executable, "-m", "taskrun_gui.cli", "--data-dir", str(store.data_dir)]
    return argv + (["--workers", str(workers)] if workers else [])


def spawn_daemon(store: Store, workers: int | None) -> None:
    _detach(store, [*_cli(store, workers), "daemon", "--exit-when-idle"])


def run_detached(store: Store, a: argparse.Namespace, given: dict[str, str]) -> None:
    """`taskrun run NAME --wait` in a process of its own: it runs the task whether or not
    the store takes writes, and records it when it can. Parameter values (secrets among
    them) go in its environment, which only this user can read, not on its command line."""
    argv = [*_cli(store, a.workers), "run", a.name, "--wait", "--repeat", str(a.repeat)]
    _detach(store, argv, {PARAMS_VAR: json.dumps(given)}, quiet=True)


def handed_params() -> dict[str, str]:
    """The parameters a detached run was handed (taken out of the environment, so the task
    does not inherit them)."""
    try:
        data = json.loads(os.environ.pop(PARAMS_VAR, "{}"))
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _detach(
    store: Store, argv: list[str], env: dict[str, str] | None = None, quiet: bool = False
) -> None:
    """`quiet`: its report goes nowhere (nobody reads it; a full disk would refuse it)."""
    path = Path(store.data_dir) / DAEMON_LOG
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        os.fchmod(fd, 0o600)  # an older file may have been made 0644
    except OSError:
        fd = os.open(os.devnull, os.O_WRONLY | os.O_CLOEXEC)  # a full or read-only disk
    try:
        subprocess.Popen(
            argv,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL if quiet else fd,
            stderr=fd,
            start_new_session=True,
            close_fds=True,
        )
    finally:
        os.close(fd)


STRANDED_AFTER_MS = 10_000  # a daemon just started needs a moment to take the host lock


def ensure_served(store: Store, workers: int | None, stranded_only: bool = False) -> bool:
    """Start a daemon when runs wait and no host is alive; True when one was started.
    `stranded_only`: only for runs that have waited a while (their host died, or left as
    they were queued), not for a burst whose daemon is still starting."""
    if not store.writable or host_alive(store.locks_dir):
        return False
    before = now_ms() - STRANDED_AFTER_MS if stranded_only else None
    if not _waiting_for_a_host(store, before):
        return False
    spawn_daemon(store, workers)
    return True


def _waiting_for_a_host(store: Store, before: int | None) -> bool:
    """Some run is queued that no dead host started already: one whose later records wait in
    the spool is not served again (they are written when the store takes them)."""
    if not runs_repo.has_queued(before, node_name()):
        return False
    held = unreplayed.waiting_uids(store.spool_dir)
    if not held:
        return True
    return any(uid not in held for uid in run_claims.queued_uids(node_name(), before))


def ensure_successor(host: ThreadHost, workers: int | None) -> bool:
    """As an --exit-when-idle host leaves: start another for runs queued meanwhile, unless
    this one was stopped by a signal (asked to stop), left records the store refused (the
    next host would run those runs again), or finished nothing (no progress: back off)."""
    if host.stopped_by_signal or not host.finished:
        return False
    return ensure_served(host.store, workers)
