"""`taskrun task rm NAME`: the task leaves every list, its run history stays. Its queued runs
are cancelled (they would still run, under a name no list shows any more), and the tasks that
chain to it are named (those links now start nothing)."""

from __future__ import annotations

import argparse

from taskrun_gui.cli import history_cmds
from taskrun_gui.cli.common import warn
from taskrun_gui.core.models import RunStatus
from taskrun_gui.storage import runs_repo, task_links, tasks_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.runs_repo import RunFilter

ALL = 10**9  # a page that holds every queued run of the task


def cmd_rm(store: Store, a: argparse.Namespace) -> int:
    row = tasks_repo.get(a.name)
    with store.db.atomic():
        tasks_repo.delete(row.id)
    print(f"task {row.name!r} deleted; its run history is kept")
    waiting = RunFilter(task_id=row.id, statuses=[RunStatus.QUEUED])
    if queued := runs_repo.page_before(waiting, None, ALL):
        history_cmds.cancel_queued(store, queued)
        print(f"its {len(queued)} queued run(s) cancelled")
    if names := task_links.starting(row.name):
        who = ("task " if len(names) == 1 else "tasks ") + ", ".join(repr(n) for n in names)
        warn(f"{who} chained to it (--then): that link now starts nothing")
    return 0
