"""Task changes made from the Tasks tab (duplicate, delete, examples), on the store's writer.

Kept apart from the tab so the tab only decides *what* to change; this object does the write
off the UI thread and reports back with a signal the tab turns into a reload.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from taskrun_gui.core.models import Control, RunRecord, TaskSpec
from taskrun_gui.core.run_events import ControlRequested
from taskrun_gui.core.validation import MAX_TITLE
from taskrun_gui.storage import runs_repo, tasks_repo
from taskrun_gui.storage.tasks_repo import TaskRow
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.tasks.example_tasks import create_examples


def copy_name(name: str, taken: set[str]) -> str:
    """ "backup-copy", then "backup-copy2", ... whichever is free."""
    candidate, n = f"{name}-copy", 2
    while candidate in taken:
        candidate, n = f"{name}-copy{n}", n + 1
    return candidate


class TaskWrites(QObject):
    written = Signal(object)  # the id of the task to select afterwards, or None
    failed = Signal(str)

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx

    def duplicate(self, task: TaskRow, taken: set[str]) -> None:
        spec = TaskSpec.from_dict({**task.spec.to_dict(), "name": copy_name(task.name, taken)})
        if spec.title:  # two rows reading the same would hide which is the copy
            spec.title = f"{spec.title[: MAX_TITLE - len(' (copy)')]} (copy)"
        self._ctx.query.write(
            lambda: tasks_repo.create(spec), self._on_task_written, self._on_failed, self
        )

    def delete(self, task_id: int) -> None:
        """Cancel the task's queued runs (they would still run, under a name no list shows
        any more), then delete it: those this window holds at once, before anything else
        can start one; the others, queued in the store, asked of their host afterwards."""
        executor = self._ctx.executor
        done = {r.uid for r in executor.queue() if r.task_id == task_id and executor.cancel(r.uid)}

        def write() -> list[RunRecord]:
            queued = runs_repo.queued_of_task(task_id)
            tasks_repo.delete(task_id)
            return queued

        self._ctx.query.write(write, lambda q: self._on_deleted(q, done), self._on_failed, self)

    def add_examples(self) -> None:
        self._ctx.query.write(create_examples, self._on_examples_written, self._on_failed, self)

    def _on_task_written(self, row: TaskRow) -> None:
        self.written.emit(row.id)

    def _on_deleted(self, queued: list[RunRecord], done: set[str]) -> None:
        """The queued runs read with the delete (`done`: cancelled here already): one this
        window took meanwhile is cancelled here, one it started is left to run, the others
        are asked of their host."""
        executor = self._ctx.executor
        waiting = {r.uid for r in executor.queue()}
        running = {r.uid for r in executor.running()}
        for rec in queued:
            if rec.uid in waiting:
                executor.cancel(rec.uid)
            elif rec.uid not in done and rec.uid not in running:
                self._ctx.writer.submit(ControlRequested(rec.uid, Control.CANCEL))
        self.written.emit(None)

    def _on_examples_written(self, rows: list[TaskRow]) -> None:
        self.written.emit(rows[0].id if rows else None)

    def _on_failed(self, exc: Exception) -> None:
        self.failed.emit(str(exc))
