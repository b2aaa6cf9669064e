"""Asks for a task's declared parameters before a run, and how many runs to queue.

Values are checked with the same resolve() the executor uses, so the dialog refuses exactly
what the engine would refuse, and says why next to the OK button instead of failing later.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from taskrun_gui.core.models import Param, TaskSpec
from taskrun_gui.core.nodes import ANY_NODE, node_name
from taskrun_gui.core.params import ParamError, resolve
from taskrun_gui.ui.tasks.run_targets_box import RunTargetsBox

MAX_REPEAT = 1000


STORED_DEFAULT = "(the stored default: ***)"


class RunParamsDialog(QDialog):
    def __init__(
        self, spec: TaskSpec, ask_repeat: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Run {spec.display_name}")
        self.setMinimumWidth(420)
        self._spec = spec
        # executed by another node: a secret cannot travel there, that node has its own
        self._elsewhere = bool(spec.node) and spec.node not in (ANY_NODE, node_name())
        self.editors: dict[str, QLineEdit | QComboBox] = {}
        form = QFormLayout()
        for p in spec.params:
            editor = self._make_editor(p)
            if self._elsewhere and p.secret:
                self._theirs(editor, p)
            self.editors[p.name] = editor
            asked = p.required and not (self._elsewhere and p.secret)  # theirs: not asked
            label = f"{p.name} *" if asked else p.name
            form.addRow(label, editor)
            if p.description:
                editor.setToolTip(p.description)
        self.repeat = QSpinBox()
        self.repeat.setRange(1, MAX_REPEAT)
        self.repeat.setObjectName("repeatSpin")
        if ask_repeat:
            form.addRow("Number of runs", self.repeat)
        self.targets = RunTargetsBox(spec)  # where this launch goes: the task's, or others
        self.error_label = QLabel()
        self.error_label.setObjectName("paramsError")
        self.error_label.setStyleSheet("color: #B91C1C;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Run")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        self.task_label = QLabel(f"Task: {spec.display_name}")  # the title bar may not show
        self.task_label.setObjectName("runTaskName")
        self.task_label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.task_label)
        if any(p.required and not (self._elsewhere and p.secret) for p in spec.params):
            note = QLabel("Fields marked * are required.")
            note.setEnabled(False)
            layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.targets)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    @staticmethod
    def _make_editor(p: Param) -> QLineEdit | QComboBox:
        """A secret's default is never put in a field: left empty (or on STORED_DEFAULT),
        nothing is sent and the stored default applies."""
        hidden_default = p.secret and p.default is not None
        if p.choices:
            combo = QComboBox()
            if hidden_default:
                combo.addItem(STORED_DEFAULT)
            combo.addItems(p.choices)
            if not hidden_default and p.default in p.choices:
                combo.setCurrentText(p.default)
            return combo
        line = QLineEdit()
        if p.secret:
            line.setEchoMode(QLineEdit.EchoMode.Password)
        if hidden_default:
            line.setPlaceholderText(STORED_DEFAULT)
            return line
        if p.default is not None:
            line.setText(p.default)
        line.setPlaceholderText("required" if p.required else "optional")
        return line

    def _theirs(self, editor: QLineEdit | QComboBox, p: Param) -> None:
        """A secret of a run another node executes: not asked here (it never goes into the
        database); the field says where its value comes from."""
        where = f"node {self._spec.node}'s own value"
        how = f"taskrun --node {self._spec.node} task secret {self._spec.name} {p.name}"
        if isinstance(editor, QLineEdit):
            editor.clear()
            editor.setPlaceholderText(where)
        editor.setEnabled(False)
        editor.setToolTip(f"{where}, set there with `{how}`")

    def values(self) -> dict[str, str]:
        """What the user entered; an empty optional field means "not given"."""
        out: dict[str, str] = {}
        for p in self._spec.params:
            if self._elsewhere and p.secret:
                continue  # that node's own
            editor = self.editors[p.name]
            text = editor.currentText() if isinstance(editor, QComboBox) else editor.text()
            if text == STORED_DEFAULT or (text == "" and p.secret and p.default is not None):
                continue  # the stored secret default applies
            if text != "" or p.required:
                out[p.name] = text
        return out

    def repeat_count(self) -> int:
        return self.repeat.value()

    def accept(self) -> None:
        try:
            resolve(self._spec.params, self.values(), secrets_elsewhere=self._elsewhere)
        except ParamError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return
        super().accept()
