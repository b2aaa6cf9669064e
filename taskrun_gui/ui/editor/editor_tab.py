"""The Editor tab: the definition form, the script with highlighting for its interpreter, and
the versions with diff and rollback.

A task is validated before every save and the problems are shown next to their fields; a save
goes through the writer and makes a new version. Unsaved changes are guarded when another
task is opened or the tab is left: `ask_unsaved` is the question, replaceable in tests.

A secret parameter's default is shown as params.MASK, which a save takes as "keep the default
the task has"; "unchanged" is measured against the spec as the form shows it, secrets masked,
so opening and saving such a task makes no version.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from taskrun_gui.core.hosts import HostError, check_targets
from taskrun_gui.core.interpreters import COMMAND_INTERPRETER
from taskrun_gui.core.models import TaskKind, TaskSpec
from taskrun_gui.core.params import masked_spec
from taskrun_gui.core.validation import FieldError, cwd_to_check, validate_task
from taskrun_gui.storage import hosts_repo, node_history, tasks_repo
from taskrun_gui.storage.tasks_repo import TaskExistsError, TaskRow
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.editor.alerts_field import LinkError, checked_write
from taskrun_gui.ui.editor.task_form import TaskForm
from taskrun_gui.ui.editor.versions_panel import VersionsPanel
from taskrun_gui.ui.widgets.code_editor import CodeEditor
from taskrun_gui.ui.widgets.highlighter import PygmentsHighlighter

Button = QMessageBox.StandardButton


def new_spec() -> TaskSpec:
    """What a new task starts as: a shell line, run under sh as `task add --command` runs it."""
    return TaskSpec(name="", interpreter=COMMAND_INTERPRETER)


def save_checked(task_id: int | None, spec: TaskSpec) -> TaskRow:
    """Create or save `spec` (on the writer), refused with HostError when its targets name
    hosts the inventory does not have at this moment."""
    if spec.targets:
        check_targets(hosts_repo.all_hosts(), spec.targets)
    node_history.check_default(spec.node)
    return tasks_repo.create(spec) if task_id is None else tasks_repo.save(task_id, spec)


class EditorTab(QWidget):
    saved = Signal(int)  # task id
    loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._task_id: int | None = None
        self._version = 0
        self._baseline = new_spec()
        self._before_save = self._baseline  # what a failed save puts back
        self._saving = self._saves = self._shown = 0  # saves unanswered, saves, forms shown
        self._sized = False  # the panes are sized to the form once, when first shown
        self.ask_unsaved: Callable[[], Button] = self._ask_unsaved
        self._make_header()
        self._make_panes()
        self._lay_out()
        self._connect()
        self._show_spec(self._baseline)

    def _make_header(self) -> None:
        self.title = QLabel()
        self.title.setObjectName("editorTitle")
        self.save_button = QPushButton("Save")
        self.save_button.setToolTip("Save a new version (Ctrl+S)")
        self.revert_button = QPushButton("Revert")
        self.revert_button.setToolTip("Drop the unsaved changes")
        self.status = QLabel()
        self.status.setObjectName("editorStatus")
        self.save_action = QAction("Save task", self)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(self.save_action)

    def _make_panes(self) -> None:
        self.form = TaskForm()
        self.form_scroll = QScrollArea()
        self.form_scroll.setWidget(self.form)
        self.form_scroll.setWidgetResizable(True)
        self.form_scroll.setMinimumWidth(self.fontMetrics().averageCharWidth() * 50)
        self.script_label = QLabel("<b>Script</b>")
        self.editor = CodeEditor()
        self.editor.setObjectName("scriptEditor")
        self.highlighter = PygmentsHighlighter(self.editor.document())
        self.versions = VersionsPanel(self._ctx)

    def _lay_out(self) -> None:
        script_box = QWidget()
        script_layout = QVBoxLayout(script_box)
        script_layout.setContentsMargins(0, 0, 0, 0)
        script_layout.addWidget(self.script_label)
        script_layout.addWidget(self.editor, 1)
        script_layout.addWidget(self.form.errors["script"])
        right = QSplitter(Qt.Orientation.Vertical)
        right.setChildrenCollapsible(False)
        right.addWidget(script_box)
        right.addWidget(self.versions)
        right.setSizes([450, 250])
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.form_scroll)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([520, 700])
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.status)
        top.addWidget(self.revert_button)
        top.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)

    def _connect(self) -> None:
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self._on_revert_button_clicked)
        self.save_action.triggered.connect(self.save)
        self.form.changed.connect(self._on_form_changed)
        self.form.interpreter_changed.connect(self._on_form_interpreter_changed)
        self.form.kind_changed.connect(self._on_form_kind_changed)
        self.editor.textChanged.connect(self._on_form_changed)
        self.versions.rolled_back.connect(self._on_versions_rolled_back)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            QTimer.singleShot(0, self._size_panes)  # once the tab has its real width

    def _size_panes(self) -> None:
        """The form pane as wide as the form needs (at a large font too), up to 60 % of the
        tab: its labels and the parameters table's columns show whole; the script takes the
        rest."""
        total = sum(self.splitter.sizes()) or self.width()
        bar = self.form_scroll.verticalScrollBar().sizeHint().width()
        wanted = self.form.minimumSizeHint().width() + bar + 2 * self.form_scroll.frameWidth()
        left = max(self.form_scroll.minimumWidth(), min(wanted, int(total * 0.6)))
        self.splitter.setSizes([left, max(1, total - left)])

    # -- public ------------------------------------------------------------------------------
    @property
    def task_id(self) -> int | None:
        return self._task_id

    def current_spec(self) -> TaskSpec:
        return self.form.spec(self.editor.toPlainText())

    def is_dirty(self) -> bool:
        return self.current_spec() != self._baseline

    def edit_task(self, task_id: int | None) -> bool:
        """Open a task (None: a new one). False when the user kept the unsaved changes."""
        if not self.maybe_leave():
            return False
        self.form.targets.load(self._ctx)  # the inventory as it is now
        self.form.node.load(self._ctx)  # and the nodes
        if task_id is None:
            self._task_id, self._version = None, 0
            self._show_spec(new_spec())
            self.versions.load(None)
            self.loaded.emit()
            # once the window has shown this tab (Ctrl+N, New): typing starts with the name
            QTimer.singleShot(0, self._focus_name)
            return True
        self._ctx.query.read(
            lambda: tasks_repo.get(task_id), self._on_task_loaded, self._on_load_failed, self
        )
        return True

    @property
    def saves_pending(self) -> int:
        """Saves the store has not answered yet."""
        return self._saving

    def maybe_leave(self) -> bool:
        """Ask about unsaved changes: Save (if valid), Discard, or Cancel (stay)."""
        if not self.is_dirty():
            return True
        answer = self.ask_unsaved()
        if answer == Button.Save:
            return self.save()
        if answer == Button.Discard:
            self._show_spec(self._baseline)
            return True
        return False

    def save(self) -> bool:
        """Validate, then write a new version. False (and inline messages) when invalid."""
        spec = self.current_spec()
        errors = validate_task(spec, check_cwd=cwd_to_check(self._baseline, spec))
        self.form.show_errors(errors)
        if errors:
            self.status.setText(f"{len(errors)} problem(s): see the marked fields")
            return False
        task_id = self._task_id
        write = partial(save_checked, task_id, spec)  # targets checked with the inventory
        self.status.setText("Saving…")
        if not self._saving:  # a second save before the first is answered: the same "before"
            self._before_save = self._baseline
        self._saving += 1
        self._saves += 1
        self._baseline = spec  # the guard treats it as saved; a failure puts it back
        write = partial(checked_write, self._ctx.store.data_dir, task_id, spec, write)
        saved = partial(self._on_task_saved, self._shown)
        failed = partial(self._on_save_failed, self._saves, self._shown)
        self._ctx.query.write(write, saved, failed, self)
        return True

    def _focus_name(self) -> None:
        if self.isVisible():
            self.form.name.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # -- slots -------------------------------------------------------------------------------
    def _on_task_loaded(self, row: TaskRow) -> None:
        self._task_id, self._version = row.id, row.version
        self._show_spec(row.spec)
        self.form.alerts.load_chain(self._ctx, row.name)
        self.versions.load(row.id, row.version)
        self.loaded.emit()

    def _on_load_failed(self, exc: Exception) -> None:
        self.status.setText(f"Could not open the task: {exc}")

    def _on_task_saved(self, form: int, row: TaskRow) -> None:
        self._saving -= 1
        if form != self._shown:  # the form shows another task since: it stays that task's
            self.saved.emit(row.id)
            return
        self._task_id, self._version = row.id, row.version
        shown = masked_spec(row.spec)  # the saved task as the form shows it
        if self.current_spec() == self._baseline and self.form.params.params() != shown.params:
            # nothing typed since the save: a secret default typed in clear now reads ***
            self.form.params.set_params(row.spec.params)
        current = self.current_spec()
        self._baseline = current if current == shown else shown
        self.status.setText(f"Saved as version {row.version}")
        self._update_title()
        self.versions.load(row.id, row.version)
        self.saved.emit(row.id)

    def _on_save_failed(self, save: int, shown: int, exc: Exception) -> None:
        """The edit is unsaved again, for an existing task too (it looked saved, and was
        lost on leaving); unless a later save is under way, or the form shows another task
        since (its own baseline stays)."""
        self._saving -= 1
        if shown != self._shown:
            self.status.setText(f"An earlier edit was not saved: {exc}")
            return
        if save == self._saves:
            self._baseline = self._before_save
        if isinstance(exc, TaskExistsError):
            self.form.show_errors([FieldError("name", str(exc))])
        if isinstance(exc, LinkError):  # a channel or task that is not there, a cycle
            self.form.show_errors(exc.errors)
        elif isinstance(exc, HostError):
            self.form.show_errors([FieldError("targets", str(exc))])
        elif isinstance(exc, node_history.UnknownNodeError):
            self.form.show_errors([FieldError("node", str(exc))])
        self.status.setText(f"Not saved: {exc}")
        self._update_title()

    def _on_versions_rolled_back(self, row: TaskRow) -> None:
        self._task_id, self._version = row.id, row.version
        self._show_spec(row.spec)
        self.status.setText(f"Rolled back: now version {row.version}")
        self.saved.emit(row.id)

    def _on_revert_button_clicked(self) -> None:
        self._show_spec(self._baseline)

    def _on_form_changed(self) -> None:
        self._update_title()
        self._update_script_box(self.form.kind.currentText() == TaskKind.SCRIPT)

    def _on_form_interpreter_changed(self, interpreter: str) -> None:
        self.highlighter.set_language(interpreter)
        self._update_script_box(self.form.kind.currentText() == TaskKind.SCRIPT)

    def _on_form_kind_changed(self, kind: str) -> None:
        self._update_script_box(kind == TaskKind.SCRIPT)

    # -- helpers -----------------------------------------------------------------------------
    def _show_spec(self, spec: TaskSpec) -> None:
        self.form.set_spec(spec)  # secret defaults read *** (the params table masks them)
        self.editor.setPlainText(spec.script)
        self.highlighter.set_language(spec.interpreter)
        self._update_script_box(spec.kind is TaskKind.SCRIPT)
        self._baseline = self.current_spec()  # what "unchanged" means for this form
        self._shown += 1  # a save's answer that comes later is about the task shown before
        self.status.setText("")
        self._update_title()

    def _update_script_box(self, is_script: bool) -> None:
        self.editor.setEnabled(is_script)
        self.editor.setPlaceholderText(
            "" if is_script else "A command task has no script: set Kind to “script” to write one."
        )
        interpreter = self.form.interpreter.currentText().strip() or "no interpreter"
        used = f"({html.escape(interpreter)})" if is_script else "(not used by a command task)"
        if self.form.steps.steps():  # the steps replace the task's own program
            used = "(not used: the task runs its steps, each under its own interpreter)"
        self.script_label.setText(f"<b>Script</b> {used}")

    def _update_title(self) -> None:
        base = self._baseline
        name = html.escape(base.display_name) if self._task_id is not None else ""
        if self._task_id is not None and base.title:
            name += f" <span style='font-weight:normal'>({html.escape(base.name)})</span>"
        text = f"<b>{name}</b> — version {self._version}" if name else "<b>New task</b>"
        dirty = self.is_dirty()
        self.title.setText(text + ("  ● unsaved changes" if dirty else ""))
        self.save_button.setEnabled(dirty or self._task_id is None)
        self.revert_button.setEnabled(dirty)

    def _ask_unsaved(self) -> Button:
        return QMessageBox.question(
            self,
            "Unsaved changes",
            "The task has unsaved changes. Save them?",
            Button.Save | Button.Discard | Button.Cancel,
            Button.Save,
        )
