"""The run dialog never shows a secret parameter's stored default; left alone, the run gets
it; typed over, the run gets what was typed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import Param, TaskSpec
from taskrun_gui.core.params import resolve
from taskrun_gui.ui.tasks.run_params_dialog import STORED_DEFAULT, RunParamsDialog

SECRET = "hunter2-the-stored-one"


def _dialog(qtbot: QtBot, params: list[Param]) -> RunParamsDialog:
    spec = TaskSpec(name="t", command="true", params=params)
    dialog = RunParamsDialog(spec, False)
    qtbot.addWidget(dialog)
    return dialog


def _texts(dialog: RunParamsDialog) -> str:
    parts = []
    for w in dialog.findChildren(QLineEdit):
        parts += [w.text(), w.placeholderText()]
    for c in dialog.findChildren(QComboBox):
        parts += [c.itemText(i) for i in range(c.count())]
    return " ".join(parts)


def test_a_stored_secret_default_is_not_shown_and_still_applies(qtbot: QtBot) -> None:
    params = [Param("token", default=SECRET, secret=True, required=True)]
    dialog = _dialog(qtbot, params)
    assert SECRET not in _texts(dialog)
    assert dialog.values() == {}
    assert resolve(params, dialog.values()) == {"token": SECRET}
    line = dialog.editors["token"]
    assert isinstance(line, QLineEdit)
    line.setText("typed")
    assert resolve(params, dialog.values()) == {"token": "typed"}


def test_a_secret_with_choices_starts_on_the_stored_default(qtbot: QtBot) -> None:
    params = [Param("env", default="prod", secret=True, choices=["dev", "prod"])]
    dialog = _dialog(qtbot, params)
    combo = dialog.editors["env"]
    assert isinstance(combo, QComboBox) and combo.currentText() == STORED_DEFAULT
    assert resolve(params, dialog.values()) == {"env": "prod"}
    combo.setCurrentText("dev")
    assert resolve(params, dialog.values()) == {"env": "dev"}


def test_the_dialog_names_the_task_it_runs(qtbot: QtBot) -> None:
    """Its title bar says so too, but a window manager may not show one."""
    spec = TaskSpec(name="nightly", command="true", title="Nightly <b>backup</b>")
    dialog = RunParamsDialog(spec, True)
    qtbot.addWidget(dialog)
    assert dialog.task_label.text() == "Task: Nightly <b>backup</b>"  # as typed, not markup
    assert dialog.task_label.textFormat() == Qt.TextFormat.PlainText
