"""Steps of a multi-step task: an ordered list (add, remove, move) and the selected step's
fields. The steps are held as Step values and the detail fields write back into the selected
one as they change, so reordering never loses an edit. As in the task's own fields, only what
the step's kind uses is enabled: a script and a shell line run under the interpreter, an argv
command has none."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from taskrun_gui.core.interpreters import COMMAND_INTERPRETER, KNOWN_INTERPRETERS
from taskrun_gui.core.models import Step, TaskKind


class StepsEditor(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._steps: list[Step] = []
        self._loading = False
        self.list = QListWidget()
        self.list.setMaximumHeight(110)
        self.list.currentRowChanged.connect(self._on_list_current_row_changed)
        buttons = QHBoxLayout()
        for text, slot in (
            ("Add step", self._on_add_clicked),
            ("Remove", self._on_remove_clicked),
            ("Up", self._on_up_clicked),
            ("Down", self._on_down_clicked),
        ):
            b = QPushButton(text)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        buttons.addStretch(1)

        self.name = QLineEdit()
        self.kind = QComboBox()
        self.kind.addItems([str(k) for k in TaskKind])
        self.command = QLineEdit()
        self.shell = QCheckBox("A shell line, under the interpreter below")
        self.shell.setChecked(True)
        self.script = QPlainTextEdit()
        self.script.setMaximumHeight(90)
        self.interpreter = QComboBox()
        self.interpreter.setEditable(True)
        self.interpreter.addItems(list(KNOWN_INTERPRETERS))
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(0, 10_000_000)
        self.timeout.setSpecialValueText("no limit")
        self.timeout.setSuffix(" s")
        self.continue_on_error = QCheckBox("Continue with the next step if this one fails")
        self.script_label = QLabel("Script")
        self.script_label.setTextFormat(Qt.TextFormat.PlainText)  # an interpreter is any path
        self.detail = QWidget()
        form = QFormLayout(self.detail)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Step name", self.name)
        form.addRow("Kind", self.kind)
        form.addRow("Command", self.command)
        form.addRow("", self.shell)
        form.addRow("Interpreter", self.interpreter)
        form.addRow(self.script_label, self.script)
        form.addRow("Timeout", self.timeout)
        form.addRow("", self.continue_on_error)
        self._connect()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        layout.addWidget(self.detail)
        self._show_current()

    def _connect(self) -> None:
        for line in (self.name, self.command):
            line.textChanged.connect(self._on_detail_changed)
        self.script.textChanged.connect(self._on_detail_changed)
        self.kind.currentIndexChanged.connect(self._on_detail_changed)
        self.interpreter.currentTextChanged.connect(self._on_detail_changed)
        self.interpreter.currentTextChanged.connect(self._on_interpreter_current_text_changed)
        self.shell.toggled.connect(self._on_detail_changed)
        self.continue_on_error.toggled.connect(self._on_detail_changed)
        self.timeout.valueChanged.connect(self._on_detail_changed)
        self.kind.currentIndexChanged.connect(self._on_kind_current_index_changed)
        self.shell.toggled.connect(self._on_shell_toggled)

    def set_steps(self, steps: list[Step]) -> None:
        self._steps = [replace(s) for s in steps]
        self._refill(0 if steps else -1)

    def steps(self) -> list[Step]:
        return [replace(s) for s in self._steps]

    def _refill(self, current: int) -> None:
        self._loading = True
        self.list.clear()
        self.list.addItems([s.name or f"step {i + 1}" for i, s in enumerate(self._steps)])
        self._loading = False
        self.list.setCurrentRow(current)
        self._show_current()

    def _show_current(self) -> None:
        row = self.list.currentRow()
        self.detail.setVisible(0 <= row < len(self._steps))
        if not 0 <= row < len(self._steps):
            return
        s = self._steps[row]
        self._loading = True
        self.name.setText(s.name)
        self.kind.setCurrentText(str(s.kind))
        self.command.setText(s.command)
        self.shell.setChecked(s.shell)
        self.script.setPlainText(s.script)
        self.interpreter.setCurrentText(s.interpreter)
        self.timeout.setValue(s.timeout or 0)
        self.continue_on_error.setChecked(s.continue_on_error)
        self._loading = False
        self._update_enabled()

    def _update_enabled(self) -> None:
        script = self.kind.currentText() == TaskKind.SCRIPT
        self.command.setEnabled(not script)
        self.shell.setEnabled(not script)
        self.script.setEnabled(script)
        self.interpreter.setEnabled(script or self.shell.isChecked())
        interpreter = self.interpreter.currentText().strip() or "no interpreter"
        self.script_label.setText(f"Script ({interpreter})" if script else "Script (not used)")

    def _on_detail_changed(self) -> None:
        row = self.list.currentRow()
        if self._loading or not 0 <= row < len(self._steps):
            return
        self._steps[row] = Step(
            name=self.name.text(),
            kind=TaskKind(self.kind.currentText()),
            command=self.command.text(),
            shell=self.shell.isChecked(),
            script=self.script.toPlainText(),
            interpreter=self.interpreter.currentText().strip(),
            timeout=self.timeout.value() or None,
            continue_on_error=self.continue_on_error.isChecked(),
        )
        item = self.list.item(row)
        if item is not None:
            item.setText(self.name.text() or f"step {row + 1}")
        self.changed.emit()

    def _on_interpreter_current_text_changed(self, _text: str) -> None:
        self._update_enabled()  # the script row's label names the interpreter

    def _on_kind_current_index_changed(self, _index: int) -> None:
        self._update_enabled()

    def _on_shell_toggled(self, _checked: bool) -> None:
        self._update_enabled()

    def _on_list_current_row_changed(self, _row: int) -> None:
        if not self._loading:
            self._show_current()

    def _on_add_clicked(self) -> None:
        name = f"step-{len(self._steps) + 1}"  # a command step: its line runs under sh
        self._steps.append(Step(name=name, interpreter=COMMAND_INTERPRETER))
        self._refill(len(self._steps) - 1)
        self.changed.emit()

    def _on_remove_clicked(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self._steps):
            del self._steps[row]
            self._refill(min(row, len(self._steps) - 1))
            self.changed.emit()

    def _move(self, delta: int) -> None:
        row = self.list.currentRow()
        new = row + delta
        if 0 <= row < len(self._steps) and 0 <= new < len(self._steps):
            self._steps[row], self._steps[new] = self._steps[new], self._steps[row]
            self._refill(new)
            self.changed.emit()

    def _on_up_clicked(self) -> None:
        self._move(-1)

    def _on_down_clicked(self) -> None:
        self._move(1)
