"""The Tasks tab: search, the task table, the run queue, and what can be done to a task.

Runs go to this process's executor, or to the store for the daemon that hosts the data dir
(the executor knows which). Every store access goes through ctx.query."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, QSettings, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QLineEdit,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from taskrun_gui.core.models import RunStatus
from taskrun_gui.storage.tasks_repo import TaskRow
from taskrun_gui.ui.change_hub import RunChanges
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.icons import icon
from taskrun_gui.ui.tasks.empty_state import EmptyState
from taskrun_gui.ui.tasks.queue_panel import QueuePanel
from taskrun_gui.ui.tasks.run_launcher import RunLauncher
from taskrun_gui.ui.tasks.run_params_dialog import RunParamsDialog
from taskrun_gui.ui.tasks.task_actions import TaskActions
from taskrun_gui.ui.tasks.task_filter_proxy import TaskFilterProxy
from taskrun_gui.ui.tasks.task_table_model import TASK_ID_ROLE, TaskTableModel
from taskrun_gui.ui.tasks.task_table_view import TaskTableView
from taskrun_gui.ui.tasks.task_transfer import TaskTransfer
from taskrun_gui.ui.tasks.task_writes import TaskWrites
from taskrun_gui.ui.theme import mark_primary
from taskrun_gui.ui.widgets.view_message import ViewMessage

Confirm = Callable[[str, str], bool]


class TasksTab(QWidget):
    edit_requested = Signal(int)  # task id
    new_requested = Signal()
    history_requested = Signal(int)  # task id
    tasks_loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.confirm: Confirm = lambda title, text: _ask(self, title, text)
        self._pending_select: int | None = None
        self._kept_selection: int | None = None

        self.model = TaskTableModel(ctx, self)
        self.model.refresher.shown = self.isVisible  # hidden (the tray): no store reads
        # nor a look for tasks changed elsewhere while minimized (a restore reads anyway)
        self.model.watching = lambda: self.isVisible() and not self.window().isMinimized()
        self.proxy = TaskFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.actions_ = TaskActions(self)
        self.table = TaskTableView(self.proxy)
        self.launcher = RunLauncher(ctx, self)
        self.writes = TaskWrites(ctx, self)
        self.transfer = TaskTransfer(ctx, self.selected_task, self)
        self.table.addAction(self.actions_.delete)
        self.search = QLineEdit()
        self.search.setObjectName("taskSearch")
        self.search.setPlaceholderText("Search name, title or tag (tag:nightly)…")
        self.search.setClearButtonEnabled(True)
        self.search.setMaximumWidth(320)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.queue_panel = QueuePanel()
        self.empty_state = EmptyState()
        self.no_match = ViewMessage(self.table)  # a search that matches no task
        self.no_match.setObjectName("tasksNoMatch")

        toolbar = self.toolbar = self._make_toolbar()

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.queue_panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([500, 160])
        self.stack = QStackedWidget()
        self.stack.addWidget(self.splitter)
        self.stack.addWidget(self.empty_state)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(toolbar)
        layout.addWidget(self.stack, 1)
        self._connect()
        self._update_actions()

    def _make_toolbar(self) -> QToolBar:
        """The task actions, Run marked as the primary one, and the search at the right; every
        button reachable with Tab."""
        toolbar = QToolBar()
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        a = self.actions_
        toolbar.addActions([a.new, a.run, a.run_n, a.stop, a.pause])
        # Run stands out, its icon in the theme's accent colour
        mark_primary(toolbar.widgetForAction(a.run), lambda c: a.run.setIcon(icon("play", c)))
        toolbar.addSeparator()
        toolbar.addActions([a.edit, a.duplicate, a.delete])
        toolbar.addSeparator()
        toolbar.addActions([a.import_, a.export])
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        toolbar.addWidget(self.search)
        for action in toolbar.actions():  # a toolbar's buttons take no focus by default
            button = toolbar.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        return toolbar

    def _connect(self) -> None:
        a = self.actions_
        a.new.triggered.connect(self.new_requested)
        a.run.triggered.connect(self.run_selected)
        a.run_n.triggered.connect(self._on_run_n_triggered)
        a.stop.triggered.connect(self.stop_selected)
        a.pause.triggered.connect(self._on_pause_triggered)
        a.edit.triggered.connect(self._on_edit_triggered)
        a.duplicate.triggered.connect(self.duplicate_selected)
        a.delete.triggered.connect(self.delete_selected)
        a.history.triggered.connect(self._on_history_triggered)
        self.table.activated.connect(self._on_table_activated)
        self.writes.written.connect(self._on_writes_written)
        self.writes.failed.connect(self._on_writes_failed)
        self.transfer.written.connect(self._on_writes_written)
        a.export.triggered.connect(self.transfer.export_selected)
        a.import_.triggered.connect(self.transfer.import_file)
        a.import_folder.triggered.connect(self.transfer.import_folder)
        self.table.customContextMenuRequested.connect(self._on_table_context_menu_requested)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.model.modelAboutToBeReset.connect(self._on_model_about_to_be_reset)
        self.model.modelReset.connect(self._on_model_reset)
        self.model.loaded.connect(self._on_model_loaded)
        self.empty_state.new_requested.connect(self.new_requested)
        self.empty_state.examples_requested.connect(self.add_examples)
        self.no_match.action_requested.connect(self.search.clear)
        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset):
            signal.connect(self._update_no_match)
        self.proxy.layoutChanged.connect(self._update_no_match)
        self._ctx.hub.changed.connect(self.apply_changes)
        self.queue_panel.move_requested.connect(self._ctx.executor.move)
        self.queue_panel.cancel_requested.connect(self._ctx.executor.cancel)

    # -- public ------------------------------------------------------------------------------
    def apply_changes(self, changes: RunChanges) -> None:
        """What the change hub announced: the table takes its part; the queue panel and the
        actions follow the executor's live picture."""
        self.model.apply_changes(changes)
        if changes.queue:
            self.queue_panel.set_runs(changes.queued, self._ctx.executor.queue_paused)
            self._update_actions()

    def selected_task_id(self) -> int | None:
        return self.table.selected_task_id()

    def selected_task(self) -> TaskRow | None:
        task_id = self.selected_task_id()
        row = None if task_id is None else self.model.row_of(task_id)
        return None if row is None else self.model.overview(row).task

    def select_task(self, task_id: int) -> bool:
        """Select a task's row; remembered until the row appears if it is not loaded yet."""
        row = self.model.row_of(task_id)
        if row is None:
            self._pending_select = task_id
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)
        return True

    def task_names(self) -> list[str]:
        return [o.task.name for o in self.model.overviews()]

    def run_task(self, task: TaskRow, ask_repeat: bool = False) -> None:
        """Queue a run, through the parameters dialog when the task declares parameters."""
        self.launcher.run(task, ask_repeat)

    @property
    def params_dialog(self) -> RunParamsDialog | None:
        return self.launcher.dialog

    def run_task_by_name(self, name: str) -> None:
        for o in self.model.overviews():
            if o.task.name == name:
                self.run_task(o.task)
                return

    def run_selected(self) -> None:
        task = self.selected_task()
        if task is not None:
            self.run_task(task)

    def stop_selected(self) -> None:
        task_id = self.selected_task_id()
        if task_id is not None:
            self.launcher.stop_task(task_id)

    def duplicate_selected(self) -> None:
        task = self.selected_task()
        if task is not None:
            self.writes.duplicate(task, set(self.task_names()))

    def delete_selected(self) -> None:
        task = self.selected_task()
        if task is not None and self.confirm(
            "Delete task",
            f"Delete the task “{task.spec.display_name}”?\n\nIts run history and logs are kept;"
            " its queued runs are cancelled.",
        ):
            self.writes.delete(task.id)

    def add_examples(self) -> None:
        self.empty_state.examples_button.setEnabled(False)
        self.writes.add_examples()

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("tasks/header", self.table.state_to_save())
        settings.setValue("tasks/chosen", ",".join(map(str, sorted(self.table.chosen_columns()))))
        settings.setValue("tasks/splitter", self.splitter.saveState())

    def restore_state(self, settings: QSettings) -> None:
        header = settings.value("tasks/header")
        if header is not None:
            self.table.horizontalHeader().restoreState(header)
            chosen = str(settings.value("tasks/chosen", "") or "")
            self.table.settle_header({int(c) for c in chosen.split(",") if c.isdigit()})
        splitter = settings.value("tasks/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.model.refresher.refresh_if_needed()

    # -- slots -------------------------------------------------------------------------------
    def _on_run_n_triggered(self) -> None:
        task = self.selected_task()
        if task is not None:
            self.run_task(task, ask_repeat=True)

    def _on_pause_triggered(self) -> None:
        task_id = self.selected_task_id()
        if task_id is not None:
            self.launcher.toggle_pause(task_id)

    def _on_edit_triggered(self) -> None:
        task_id = self.selected_task_id()
        if task_id is not None:
            self.edit_requested.emit(task_id)

    def _on_history_triggered(self) -> None:
        task_id = self.selected_task_id()
        if task_id is not None:
            self.history_requested.emit(task_id)

    def _on_table_activated(self, index: QModelIndex) -> None:
        task_id = index.data(TASK_ID_ROLE)
        if task_id is not None:
            self.edit_requested.emit(task_id)

    def _on_table_context_menu_requested(self, pos: QPoint) -> None:
        self.actions_.context_menu(self).popup(self.table.viewport().mapToGlobal(pos))

    def _on_search_text_changed(self, text: str) -> None:
        self.proxy.set_search(text)
        self._update_no_match()

    def _update_no_match(self) -> None:
        """Tasks exist but the search hides them all: say so over the empty table."""
        text = self.search.text().strip()
        if text and self.model.rowCount() and not self.proxy.rowCount():
            self.no_match.show_message(f"No tasks match “{text}”", "Clear search")
        else:
            self.no_match.hide()

    def _on_selection_changed(self) -> None:
        self._update_actions()

    def _on_model_about_to_be_reset(self) -> None:
        self._kept_selection = self.selected_task_id()

    def _on_model_reset(self) -> None:
        wanted = self._pending_select or self._kept_selection
        if wanted is not None and self.select_task(wanted):
            self._pending_select = None
        self._update_actions()

    def _on_model_loaded(self) -> None:
        self.stack.setCurrentWidget(
            self.empty_state if self.model.rowCount() == 0 else self.splitter
        )
        self.empty_state.examples_button.setEnabled(True)
        self.tasks_loaded.emit()

    def _on_writes_written(self, task_id: int | None) -> None:
        self._pending_select = task_id
        self.model.reload_now()

    def _on_writes_failed(self, message: str) -> None:
        self.empty_state.examples_button.setEnabled(True)
        QMessageBox.warning(self, "TaskRun", f"Could not save: {message}")

    def _update_actions(self) -> None:
        task_id = self.selected_task_id()
        has = task_id is not None
        for action in self.actions_.selection_actions():
            action.setEnabled(has)
        ex = self._ctx.executor
        live = [r for r in ex.running() if r.task_id == task_id] if has else []
        waiting = any(r.task_id == task_id for r in ex.queue()) if has else False
        self.actions_.stop.setEnabled(bool(live) or waiting)
        self.actions_.pause.setEnabled(bool(live))
        paused = any(r.status is RunStatus.PAUSED for r in live)
        self.actions_.pause.setText("Resume" if paused else "Pause")


def _ask(parent: QWidget, title: str, text: str) -> bool:
    """Yes or no, the text shown as it is (a task's title may hold `<b>`: never rich text)."""
    yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No
    box = QMessageBox(QMessageBox.Icon.Question, title, text, yes | no, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box.exec() == yes
