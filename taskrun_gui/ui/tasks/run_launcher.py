"""Starting runs from the window: ask for parameters (and a count) when there is something
to ask, then queue. The dialog is opened with open(), not exec(), so the event loop (and a
test driving it) keeps going; it is kept in `dialog` while it is up."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from taskrun_gui.core.hosts import HostDef, HostError, select
from taskrun_gui.core.models import RunStatus
from taskrun_gui.core.params import ParamError
from taskrun_gui.storage import hosts_repo
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
        """A task with targets asks too: where it goes is shown, and can be changed."""
        if not task.spec.params and not ask_repeat and not task.spec.targets:
            self._queue(task, {}, 1)
            return
        dialog = RunParamsDialog(task.spec, ask_repeat, self._parent_widget)
        dialog.targets.load(self._ctx)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._on_dialog_accepted(task, dialog))
        dialog.finished.connect(self._on_dialog_finished)
        self.dialog = dialog
        dialog.open()

    def _on_dialog_accepted(self, task: TaskRow, dialog: RunParamsDialog) -> None:
        targets, limit = dialog.targets.targets(), dialog.targets.parallel_limit()
        if not targets:
            self._queue(task, dialog.values(), dialog.repeat_count())
            return
        given, repeat = dialog.values(), dialog.repeat_count()

        def chosen(hosts: list[HostDef]) -> None:
            try:
                names = [h.name for h in select(hosts, targets)]
            except HostError as exc:
                QMessageBox.warning(self._parent_widget, "Cannot run", str(exc))
                return
            self._queue(task, given, repeat, names, limit)

        # the inventory as it is now: a host removed since the dialog opened runs nothing
        self._ctx.query.read(hosts_repo.all_hosts, chosen, self._on_read_failed, self)

    def _on_read_failed(self, exc: Exception) -> None:
        QMessageBox.warning(self._parent_widget, "Cannot run", f"cannot read the hosts: {exc}")

    def _queue(
        self,
        task: TaskRow,
        given: dict[str, str],
        repeat: int,
        hosts: list[str] | None = None,
        parallel: int | None = None,
    ) -> None:
        try:
            # to this process's host, or through the store to the one serving the data dir
            recs = self._ctx.executor.enqueue(
                task.id,
                task.version,
                task.spec,
                given,
                repeat=repeat,
                hosts=hosts,
                parallel=parallel,
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
