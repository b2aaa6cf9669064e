"""Starting runs from the window: ask for parameters (and a count) when there is something
to ask, then queue. The dialog is opened with open(), not exec(), so the event loop (and a
test driving it) keeps going; it is kept in `dialog` while it is up."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from taskrun_gui.core.models import RunStatus
from taskrun_gui.core.params import ParamError
from taskrun_gui.storage.tasks_repo import TaskRow
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.tasks.run_params_dialog import RunParamsDialog


class RunLauncher(QObject):
    queued = Signal(object)  # list[RunRecord]

    def __init__(self, ctx: AppContext, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self._ctx = ctx
        self._parent_widget = parent_widget
        self.dialog: RunParamsDialog | None = None

    def run(self, task: TaskRow, ask_repeat: bool = False) -> None:
        if not task.spec.params and not ask_repeat:
            self._queue(task, {}, 1)
            return
        dialog = RunParamsDialog(task.spec, ask_repeat, self._parent_widget)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._queue(task, dialog.values(), dialog.repeat_count()))
        dialog.finished.connect(self._on_dialog_finished)
        self.dialog = dialog
        dialog.open()

    def _queue(self, task: TaskRow, given: dict[str, str], repeat: int) -> None:
        try:
            # to this process's host, or through the store to the one serving the data dir
            recs = self._ctx.executor.enqueue(
                task.id, task.version, task.spec, given, repeat=repeat
            )
        except ParamError as exc:
            QMessageBox.warning(self._parent_widget, "Cannot run", str(exc))
            return
        self.queued.emit(recs)

    def _on_dialog_finished(self, _result: int) -> None:
        self.dialog = None

    def stop_task(self, task_id: int) -> None:
        """Stop what runs; when nothing runs, take the task's waiting runs off the queue."""
        ex = self._ctx.executor
        live = [r.uid for r in ex.running() if r.task_id == task_id]
        for uid in live or [r.uid for r in ex.queue() if r.task_id == task_id]:
            ex.cancel(uid)

    def toggle_pause(self, task_id: int) -> None:
        """Resume when any run of the task is paused, else pause every running one."""
        ex = self._ctx.executor
        live = [r for r in ex.running() if r.task_id == task_id]
        paused = any(r.status is RunStatus.PAUSED for r in live)
        for r in live:
            (ex.resume if paused else ex.pause)(r.uid)
