"""`taskrun task rm NAME`: the task leaves every list, its run history stays. Its queued runs
are cancelled (they would still run, under a name no list shows any more), and the tasks that
chain to it are named (those links now start nothing)."""

from __future__ import annotations

import argparse

from taskrun_gui.cli import history_cmds
from taskrun_gui.cli.common import tasks_named, warn
from taskrun_gui.storage import runs_repo, task_links, tasks_repo
from taskrun_gui.storage.db import Store


def cmd_rm(store: Store, a: argparse.Namespace) -> int:
    row = tasks_repo.get(a.name)
    queued = runs_repo.queued_of_task(row.id)
    done = history_cmds.cancel_queued(store, queued) if queued else 0  # before: none starts
    with store.db.atomic():
        tasks_repo.delete(row.id)
    print(f"task {row.name!r} deleted; its run history is kept")
    if done:
        print(f"its {done} queued run(s) cancelled")
    if len(queued) > done:  # held by a host: it cancels them within a second
        print(f"cancel requested for its {len(queued) - done} queued run(s)")
    if names := task_links.starting(row.name):
        warn(f"{tasks_named(names)} chained to it (--then): that link now starts nothing")
    return 0
