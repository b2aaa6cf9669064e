"""Every field of a task definition except the script text (the Editor tab's code editor
holds that), with an inline error line under each field for validate_task's messages."""

from __future__ import annotations

import re

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from taskrun_gui.core.interpreters import KNOWN_INTERPRETERS
from taskrun_gui.core.models import TaskKind, TaskSpec
from taskrun_gui.core.validation import FieldError
from taskrun_gui.ui.editor.alerts_field import AlertsField
from taskrun_gui.ui.editor.key_value_table import KeyValueTable
from taskrun_gui.ui.editor.log_cap_field import LogCapField
from taskrun_gui.ui.editor.params_table import ParamsTable
from taskrun_gui.ui.editor.schedule_form import ScheduleForm
from taskrun_gui.ui.editor.steps_editor import StepsEditor
from taskrun_gui.ui.widgets.node_field import NodeField
from taskrun_gui.ui.widgets.targets_picker import TargetsPicker

ERROR_STYLE = "color: #DC2626;"
# the fields with an error line: every field path of validate_task starts with one of them
ERROR_FIELDS = (
    "name",
    "title",
    "description",
    "command",
    "script",
    "interpreter",
    "cwd",
    "env",
    "params",
    "timeout",
    "retries",
    "retry_backoff",
    "max_concurrent",
    "priority",
    "log_cap_bytes",
    "tags",
    "targets",
    "node",
    "schedule",
    "steps",
    "notify",
    "then",
    "grace_seconds",
)
SHELL_TEXT = "Run as a line for the interpreter"
SHELL_TIP = (
    "On: the command is one line the interpreter below runs (sh -c, bash -c, python -c...). "
    "Off: it is split into argv items and started as a program, with no interpreter."
)
INTERPRETER_TIP = (
    "A script runs under bash, sh, python, node, pwsh or the path of a program; a shell line "
    "under a shell (sh, bash or a path), or python, node or pwsh (with -c, -e or -Command)"
)
Row = tuple[str, QWidget | QHBoxLayout, str | None]


def error_key(field: str) -> str:
    """The error line of a field path: its part before the first '.' or '[' (`env.FOO`,
    `params[1].default` and `steps[2].command` go under env, params and steps)."""
    return re.split(r"[.\[]", field, maxsplit=1)[0]


def _error_label(key: str) -> QLabel:
    label = QLabel()
    label.setObjectName(f"error_{key}")
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.hide()
    return label


class TaskForm(QWidget):
    changed = Signal()
    interpreter_changed = Signal(str)
    kind_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.errors: dict[str, QLabel] = {key: _error_label(key) for key in ERROR_FIELDS}
        self._make_task_fields()
        self._make_program_fields()
        self._make_limits()
        self.env = KeyValueTable()
        self.params = ParamsTable()
        self.schedule = ScheduleForm()
        self.steps = StepsEditor()
        self.alerts = AlertsField()
        self._lay_out()
        self._connect()
        self._update_program_fields()

    def _make_task_fields(self) -> None:
        self.name = QLineEdit()
        self.name.setObjectName("taskName")
        self.name.setPlaceholderText("nightly-backup")
        self.name.setToolTip(
            "The name the command line takes (taskrun run NAME): letters, digits, '.', '_', '-'"
        )
        self.title = QLineEdit()
        self.title.setPlaceholderText("optional: Nightly backup of the photos")
        self.title.setToolTip("A free title the window shows instead of the name")
        self.description = QLineEdit()
        self.enabled = QCheckBox("Enabled")
        self.enabled.setChecked(True)
        self.tags = QLineEdit()
        self.tags.setPlaceholderText("comma separated: backup, nightly")
        self.targets = TargetsPicker()
        self.node = NodeField()

    def _make_program_fields(self) -> None:
        self.kind = QComboBox()
        self.kind.addItems([str(k) for k in TaskKind])
        self.shell = QCheckBox(SHELL_TEXT)
        self.shell.setToolTip(SHELL_TIP)
        self.shell.setChecked(True)
        self.command = QLineEdit()
        self.command.setPlaceholderText('echo "hello"')
        self.interpreter = QComboBox()
        self.interpreter.setEditable(True)
        self.interpreter.addItems(list(KNOWN_INTERPRETERS))
        self.interpreter.setToolTip(INTERPRETER_TIP)
        self.cwd = QLineEdit()
        self.cwd.setPlaceholderText("working directory (default: your home folder)")

    def _make_limits(self) -> None:
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(0, 10_000_000)
        self.timeout.setSpecialValueText("no limit")
        self.timeout.setSuffix(" s")
        self.retries = QSpinBox()
        self.retries.setRange(0, 100)
        self.retry_backoff = QDoubleSpinBox()
        self.retry_backoff.setRange(0, 86_400)
        self.retry_backoff.setValue(2.0)
        self.retry_backoff.setSuffix(" s")
        self.max_concurrent = QSpinBox()
        self.max_concurrent.setRange(1, 1000)
        self.priority = QSpinBox()
        self.priority.setRange(-1000, 1000)
        self.priority.setToolTip("Higher runs first when runs wait in the queue")
        self.log_cap = LogCapField()

    def _lay_out(self) -> None:
        browse = QToolButton()
        browse.setText("…")
        browse.setToolTip("Choose a folder")
        browse.clicked.connect(self._on_browse_clicked)
        cwd_row = QHBoxLayout()
        cwd_row.setContentsMargins(0, 0, 0, 0)
        cwd_row.addWidget(self.cwd, 1)
        cwd_row.addWidget(browse)
        task_rows: list[Row] = [
            ("Name", self.name, "name"),
            ("Title", self.title, "title"),
            ("Description", self.description, "description"),
            ("Tags", self.tags, "tags"),
            ("Runs on", self.targets, "targets"),
            ("Node", self.node, "node"),
            ("", self.enabled, None),
        ]
        program_rows: list[Row] = [
            ("Kind", self.kind, None),
            ("Command", self.command, "command"),
            ("", self.shell, None),
            ("Interpreter", self.interpreter, "interpreter"),
            ("Working dir", cwd_row, "cwd"),
        ]
        limit_rows: list[Row] = [
            ("Timeout", self.timeout, "timeout"),
            ("Retries", self.retries, "retries"),
            ("Retry backoff", self.retry_backoff, "retry_backoff"),
            ("Max concurrent", self.max_concurrent, "max_concurrent"),
            ("Priority", self.priority, "priority"),
            ("Log cap", self.log_cap, "log_cap_bytes"),
        ]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._group("Task", task_rows))
        layout.addWidget(self._group("Program", program_rows))
        layout.addWidget(self._boxed("Environment variables", self.env, "env"))
        layout.addWidget(self._boxed("Parameters", self.params, "params"))
        layout.addWidget(self._group("Limits and retries", limit_rows))
        layout.addWidget(self._boxed("Schedule", self.schedule, "schedule"))
        steps_title = "Steps (optional: replace the program above)"
        layout.addWidget(self._boxed(steps_title, self.steps, "steps"))
        layout.addWidget(self._group("Alerts and chains", list(self.alerts.rows())))
        layout.addStretch(1)

    def _group(self, title: str, rows: list[Row]) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        # a narrow pane (a large font, a small window) puts a label above its field rather
        # than squeezing either
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for label, widget, error in rows:
            form.addRow(label, widget)
            if error is not None:
                form.addRow("", self.errors[error])
        return box

    def _boxed(self, title: str, widget: QWidget, error: str) -> QGroupBox:
        box = QGroupBox(title)
        layout = QVBoxLayout(box)
        layout.addWidget(widget)
        layout.addWidget(self.errors[error])
        return box

    def _connect(self) -> None:
        for line in (self.name, self.title, self.description, self.tags, self.command, self.cwd):
            line.textChanged.connect(self.changed)
        for check in (self.enabled, self.shell):
            check.toggled.connect(self.changed)
        self.shell.toggled.connect(self._on_shell_toggled)
        spins = (self.timeout, self.retries, self.retry_backoff, self.max_concurrent)
        for spin in (*spins, self.priority):
            spin.valueChanged.connect(self.changed)
        parts = (self.env, self.params, self.schedule, self.steps, self.log_cap, self.alerts)
        for part in (*parts, self.targets, self.node):
            part.changed.connect(self.changed)
        self.kind.currentTextChanged.connect(self._on_kind_current_text_changed)
        self.interpreter.currentTextChanged.connect(self._on_interpreter_current_text_changed)

    # -- values ------------------------------------------------------------------------------
    def set_spec(self, spec: TaskSpec) -> None:
        self.name.setText(spec.name)
        self.title.setText(spec.title)
        self.description.setText(spec.description)
        self.enabled.setChecked(spec.enabled)
        self.tags.setText(", ".join(spec.tags))
        self.targets.set_targets(spec.targets)
        self.node.set_value(spec.node)
        self.kind.setCurrentText(str(spec.kind))
        self.shell.setChecked(spec.shell)
        self.command.setText(spec.command)
        self.interpreter.setCurrentText(spec.interpreter)
        self.cwd.setText(spec.cwd)
        self.env.set_items(spec.env)
        self.params.set_params(spec.params)
        self.timeout.setValue(spec.timeout or 0)
        self.retries.setValue(spec.retries)
        self.retry_backoff.setValue(spec.retry_backoff)
        self.max_concurrent.setValue(spec.max_concurrent)
        self.priority.setValue(spec.priority)
        self.log_cap.set_value(spec.log_cap_bytes)
        self.schedule.set_schedule(spec.schedule)
        self.steps.set_steps(spec.steps)
        self.alerts.set_spec(spec)
        for line in (self.name, self.title, self.description, self.tags, self.command, self.cwd):
            line.setCursorPosition(0)  # show the start of long values, not their end
        self.show_errors([])
        self._update_program_fields()

    def spec(self, script: str = "") -> TaskSpec:
        return TaskSpec(
            name=self.name.text().strip(),
            title=self.title.text().strip(),
            kind=TaskKind(self.kind.currentText()),
            command=self.command.text(),
            shell=self.shell.isChecked(),
            script=script,
            interpreter=self.interpreter.currentText().strip(),
            cwd=self.cwd.text().strip(),
            env=self.env.items(),
            params=self.params.params(),
            timeout=self.timeout.value() or None,
            retries=self.retries.value(),
            retry_backoff=self.retry_backoff.value(),
            max_concurrent=self.max_concurrent.value(),
            priority=self.priority.value(),
            tags=[t.strip() for t in self.tags.text().split(",") if t.strip()],
            targets=self.targets.targets(),
            node=self.node.value(),
            enabled=self.enabled.isChecked(),
            description=self.description.text(),
            schedule=self.schedule.schedule(),
            steps=self.steps.steps(),
            log_cap_bytes=self.log_cap.value(),
            **self.alerts.values(),
        )

    def show_errors(self, errors: list[FieldError]) -> None:
        """One line per problem under its field, naming the field's full path when it is a
        part of it (`env.FOO: contains a NUL byte`); fields without problems show nothing. A
        path with no line of its own goes under the name, so no problem goes unshown."""
        by_key: dict[str, list[str]] = {}
        for e in errors:
            key = error_key(e.field)
            prefix = "" if e.field == key else f"{e.field}: "
            if key not in self.errors:
                key, prefix = "name", f"{e.field}: "
            by_key.setdefault(key, []).append(prefix + e.message)
        for key, label in self.errors.items():
            messages = by_key.get(key, [])
            label.setText("\n".join(messages))
            label.setVisible(bool(messages))

    # -- slots -------------------------------------------------------------------------------
    def _update_program_fields(self) -> None:
        """A script and a shell line run under the interpreter; an argv command has none."""
        script = self.kind.currentText() == TaskKind.SCRIPT
        self.command.setEnabled(not script)
        self.shell.setEnabled(not script)
        self.interpreter.setEnabled(script or self.shell.isChecked())

    def _on_kind_current_text_changed(self, kind: str) -> None:
        self._update_program_fields()
        self.kind_changed.emit(kind)
        self.changed.emit()

    def _on_shell_toggled(self, _checked: bool) -> None:
        self._update_program_fields()

    def _on_interpreter_current_text_changed(self, text: str) -> None:
        self.interpreter_changed.emit(text.strip())
        self.changed.emit()

    def _on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Working directory", self.cwd.text())
        if folder:
            self.cwd.setText(folder)
