"""How many runs of each task may go at once, as the task says now.

A queued run carries the version it will run, but its task's `max_concurrent` is the task's
setting of the moment: lowered because the server a task talks to struggles, raised to clear
a backlog, it applies to the runs already queued. The host's poller reads the tasks with the
schedules (a host started for CLI work alone reads none: its runs keep the limit they were
queued with). What it read also tells a deleted task: its runs start no retry."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from taskrun_gui.storage.tasks_repo import TaskRow


class TaskLimits:
    def __init__(self) -> None:
        self._now: dict[int, int] = {}  # task id -> max_concurrent, as last read
        self._ever: set[int] = set()  # every task id read so far

    def seen(self, tasks: Iterable[TaskRow]) -> bool:
        """The tasks as the store has them now (on the poller's thread); True when a limit
        changed since the last read (queued runs may start)."""
        now = {t.id: t.spec.max_concurrent for t in tasks}
        self._ever |= now.keys()
        changed, self._now = now != self._now, now  # one reference swap: readers see either
        return changed

    def gone(self, task_id: int) -> bool:
        """The task was read before and is not any more: deleted (`task rm`). A task too new
        for the last read is not gone; nor is any where nothing reads them."""
        return task_id in self._ever and task_id not in self._now

    def of(self, task_id: int, queued_with: int) -> int:
        """The task's limit now; `queued_with` (its run's version's) until one is read."""
        return self._now.get(task_id, queued_with)
