"""What the history's context menu does to a run, apart from the table that offers it.

Cancel, pause and resume go to the executor by uid; a run this process does not hold (another
process is its host) gets the request recorded on its row instead, which its host polls for.
Ctrl+. (stop) and Ctrl+P (pause/resume) do the same to the current run, as they do to the
selected task on the Tasks tab: each tab's keys are scoped to it, so they are never ambiguous.
Re-run queues the run's own task version again with its parameters, except that secret values
were masked before they were stored and so must be typed again (or the re-run is refused).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMenu, QWidget

from taskrun_gui.core.models import Control, RunRecord, RunStatus, TaskSpec
from taskrun_gui.core.params import MASK, ParamError
from taskrun_gui.core.run_events import ControlRequested
from taskrun_gui.storage import tasks_repo, trends_repo
from taskrun_gui.storage.trends_repo import WhatChanged
from taskrun_gui.ui.context import AppContext


class RunActions(QObject):
    message = Signal(str, str)  # title, text: for the user, shown by the tab
    rerun_queued = Signal(object)  # the new RunRecord
    batch_requested = Signal(str)  # a batch to show one row per host (ui/history/batch_dialog)

    def __init__(self, ctx: AppContext, dialog_parent: QWidget) -> None:
        super().__init__(dialog_parent)
        self._ctx = ctx
        self._dialog_parent = dialog_parent
        self.what_changed_dialog: QWidget | None = None

    def build_menu(
        self,
        rec: RunRecord,
        selected: list[RunRecord],
        compare: Callable[[RunRecord, RunRecord], object],
    ) -> QMenu:
        """The context menu for `rec` (the current row); "Compare" needs two selected runs.
        Entries that cannot apply to the run's state are shown disabled, not hidden, so the
        menu keeps its shape."""
        entries: list[tuple[str, bool, Callable[[], object]] | None] = [
            ("Cancel\tCtrl+.", not rec.status.is_final, lambda: self.cancel(rec)),
            ("Pause\tCtrl+P", rec.status is RunStatus.RUNNING, lambda: self.pause(rec)),
            ("Resume\tCtrl+P", rec.status is RunStatus.PAUSED, lambda: self.resume(rec)),
            None,
            ("Re-run", True, lambda: self.rerun(rec)),
            ("Show batch…", bool(rec.batch), lambda: self.batch_requested.emit(rec.batch)),
            ("Compare with…", len(selected) == 2, lambda: compare(selected[0], selected[1])),
            (
                "What changed before it broke…",
                rec.status.is_failure and rec.id is not None,
                lambda: self.what_changed(rec),
            ),
            None,
            ("Open log file", bool(rec.log_path), lambda: self.open_log(rec)),
            ("Copy run id", rec.id is not None, lambda: self.copy_id(rec)),
        ]
        menu = QMenu(self._dialog_parent)
        menu.setToolTipsVisible(True)
        for entry in entries:
            if entry is None:
                menu.addSeparator()
                continue
            text, enabled, slot = entry
            action = menu.addAction(text)  # after a tab: the key that does it (add_keys)
            action.setObjectName(text.split("\t")[0].rstrip("…"))
            action.setEnabled(enabled)
            action.triggered.connect(slot)
            if text.startswith("Compare"):
                action.setToolTip("Select two runs (Ctrl+click) to compare them")
        return menu

    def add_keys(self, owner: QWidget, current: Callable[[], RunRecord | None]) -> None:
        """Ctrl+. cancels, Ctrl+P pauses or resumes the `current()` run while the focus is in
        `owner` (the tab), as the context menu's Cancel, Pause and Resume do."""
        keys = (
            ("Stop", "Ctrl+.", lambda: self._on_stop_key(current())),
            ("Pause or resume", "Ctrl+P", lambda: self._on_pause_key(current())),
        )
        for name, key, slot in keys:
            action = QAction(name, owner)
            action.setObjectName(f"{name.replace(' ', '_')}_key")
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            owner.addAction(action)

    def _on_stop_key(self, rec: RunRecord | None) -> None:
        if rec is not None and not rec.status.is_final:
            self.cancel(rec)

    def _on_pause_key(self, rec: RunRecord | None) -> None:
        if rec is not None and rec.status is RunStatus.RUNNING:
            self.pause(rec)
        elif rec is not None and rec.status is RunStatus.PAUSED:
            self.resume(rec)

    def what_changed(self, rec: RunRecord) -> None:
        """The diff between the version of the task's last success before this run and the
        version this run ran."""
        task_id, run_id = rec.task_id, rec.id
        assert run_id is not None
        self._ctx.query.read(
            lambda: trends_repo.what_changed(task_id, run_id),
            lambda found: self._show_what_changed(rec, found),
            lambda exc: self.message.emit("Cannot compare versions", str(exc)),
            owner=self,
        )

    def _show_what_changed(self, rec: RunRecord, found: WhatChanged | None) -> None:
        from taskrun_gui.ui.trends.what_changed_dialog import WhatChangedDialog

        dialog = WhatChangedDialog(rec.task_name, found, self._dialog_parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.what_changed_dialog = dialog
        dialog.open()

    def cancel(self, rec: RunRecord) -> None:
        self._control(rec, Control.CANCEL, self._ctx.executor.cancel)

    def pause(self, rec: RunRecord) -> None:
        self._control(rec, Control.PAUSE, self._ctx.executor.pause)

    def resume(self, rec: RunRecord) -> None:
        self._control(rec, Control.RESUME, self._ctx.executor.resume)

    def _control(self, rec: RunRecord, control: Control, here: Callable[[str], bool]) -> None:
        if here(rec.uid):
            return
        self._ctx.writer.submit(ControlRequested(rec.uid, control))

    def open_log(self, rec: RunRecord) -> None:
        if rec.log_path:
            QDesktopServices.openUrl(QUrl.fromLocalFile(rec.log_path))

    def copy_id(self, rec: RunRecord) -> None:
        QGuiApplication.clipboard().setText("" if rec.id is None else str(rec.id))

    def rerun(self, rec: RunRecord) -> None:
        """Queue the same task version with the same parameters (read its spec on a worker)."""
        task_id, version = rec.task_id, rec.version
        self._ctx.query.read(
            lambda: tasks_repo.version_spec(task_id, version),
            lambda spec: self._enqueue_again(rec, spec),
            lambda exc: self.message.emit("Cannot re-run", f"Run {rec.id}: {exc}"),
            self,
        )

    def _enqueue_again(self, rec: RunRecord, spec: TaskSpec) -> None:
        secret = spec.secret_names()
        given = {k: v for k, v in rec.params.items() if k not in secret and v != MASK}
        for name in sorted(k for k in rec.params if k not in given):
            value = self._ask_secret(rec, name)
            if value is None:
                self.message.emit(
                    "Re-run not queued",
                    f"Parameter “{name}” is secret: its value was masked before the run was "
                    "stored, so it cannot be reused. Re-run again and type it, or run the "
                    "task from the Tasks tab.",
                )
                return
            given[name] = value
        try:
            queued = self._ctx.executor.enqueue(rec.task_id, rec.version, spec, given)
        except ParamError as exc:
            self.message.emit("Re-run not queued", str(exc))
            return
        for new in queued:
            self.rerun_queued.emit(new)

    def _ask_secret(self, rec: RunRecord, name: str) -> str | None:
        value, ok = QInputDialog.getText(
            self._dialog_parent,
            "Secret parameter",
            f"Re-running {rec.task_name}: the value of the secret parameter “{name}” "
            "was not stored. Type it to re-run:",
            QLineEdit.EchoMode.Password,
        )
        return value if ok else None
