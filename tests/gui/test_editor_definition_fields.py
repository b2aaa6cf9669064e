"""The Editor tab's definition fields as a user meets them, on a real store with a real host:
a secret default is never on screen and survives an unchanged save, every validation problem
shows under a field, a shell line's interpreter can be chosen (and the script label names
it), and a task's own log cap is saved and applied to its runs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QStyleOptionViewItem,
    QTableWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import (
    Param,
    RunRecord,
    RunStatus,
    Schedule,
    Step,
    TaskKind,
    TaskSpec,
)
from taskrun_gui.core.params import CHANGED_MASK, MASK
from taskrun_gui.core.policy import MIB
from taskrun_gui.core.validation import validate_task
from taskrun_gui.engine.log_file import dropped_note
from taskrun_gui.storage import runs_repo, tasks_repo
from taskrun_gui.storage.schema import Task
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.editor.editor_tab import EditorTab
from taskrun_gui.ui.editor.log_cap_field import MODE_CAP, MODE_DEFAULT, MODE_NONE
from taskrun_gui.ui.editor.params_table import COL_DEFAULT, COL_SECRET
from taskrun_gui.ui.editor.task_form import ERROR_FIELDS, error_key
from taskrun_gui.ui.tasks.example_tasks import example_specs
from tests.helpers import add_task, app_context, py_task, shell_task

SECRET = "s3cr3t-default-4711"
TEXT_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole)


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    with app_context(tmp_path, schedules=False) as context:
        yield context


@pytest.fixture
def editor(qtbot: QtBot, ctx: AppContext) -> EditorTab:
    tab = EditorTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1200, 900)
    tab.show()
    qtbot.waitExposed(tab)
    return tab


def _open(qtbot: QtBot, editor: EditorTab, task_id: int) -> None:
    with qtbot.waitSignal(editor.loaded, timeout=5000):
        editor.edit_task(task_id)


def _save(qtbot: QtBot, editor: EditorTab) -> int:
    with qtbot.waitSignal(editor.saved, timeout=5000) as saved:
        assert editor.save()
    return int(saved.args[0])


def _run(qtbot: QtBot, ctx: AppContext, task_id: int) -> RunRecord:
    row = tasks_repo.get(task_id)
    with qtbot.waitSignal(ctx.executor.run_finished, timeout=20_000) as finished:
        ctx.executor.enqueue(row.id, row.version, row.spec)
    assert ctx.writer.flush(10)
    stored = runs_repo.get_by_uid(finished.args[0].uid)
    assert stored is not None
    return stored


def _widget_texts(root: QWidget) -> str:
    """Every text the editor holds in a widget: what a user could see, copy or hover."""
    out: list[str] = []
    for w in [root, *root.findChildren(QWidget)]:
        out.append(w.toolTip())
        if isinstance(w, QLineEdit | QLabel | QAbstractButton):
            out.append(w.text())
        if isinstance(w, QPlainTextEdit):
            out.append(w.toPlainText())
        if isinstance(w, QComboBox):
            out += [w.currentText(), *(w.itemText(i) for i in range(w.count()))]
        if isinstance(w, QListWidget):
            out += [w.item(i).text() for i in range(w.count())]
        if isinstance(w, QTableWidget):
            for r in range(w.rowCount()):
                for c in range(w.columnCount()):
                    if (item := w.item(r, c)) is not None:
                        out += [str(item.data(role) or "") for role in TEXT_ROLES]
    return "\n".join(out)


def _drawn_default(editor: EditorTab, row: int) -> str:
    """The text the params table draws in a default cell (its delegate's view of it)."""
    table = editor.form.params.table
    option = QStyleOptionViewItem()
    table.itemDelegateForColumn(COL_DEFAULT).initStyleOption(
        option, table.model().index(row, COL_DEFAULT)
    )
    return option.text


def test_a_secret_default_is_never_shown_and_an_unchanged_save_keeps_it(
    qtbot: QtBot, ctx: AppContext, editor: EditorTab
) -> None:
    code = "import os; print(os.environ['TASKRUN_PARAM_TOKEN'][::-1])"  # the log masks it
    params = [Param("token", default=SECRET, secret=True), Param("who", default="world")]
    task_id = add_task(ctx.store, py_task("with-secret", code, params=params)).id
    _open(qtbot, editor, task_id)

    table = editor.form.params.table
    assert table.item(0, COL_DEFAULT).text() == MASK
    assert table.item(1, COL_DEFAULT).text() == "world"
    assert _drawn_default(editor, 0) == MASK
    assert SECRET not in _widget_texts(editor)
    assert not editor.is_dirty()
    assert not editor.save_button.isEnabled()

    _save(qtbot, editor)  # Ctrl+S on an unchanged task
    assert [v.number for v in tasks_repo.versions(task_id)] == [1]
    assert tasks_repo.get(task_id).spec.params[0].default == SECRET
    assert not editor.is_dirty()

    editor.form.params.set_cell(0, COL_DEFAULT, "n3w-secret-0815")
    assert editor.is_dirty()
    assert _drawn_default(editor, 0) == CHANGED_MASK  # typed, and still not drawn in clear
    _save(qtbot, editor)
    assert [v.number for v in tasks_repo.versions(task_id)] == [2, 1]
    assert tasks_repo.get(task_id).spec.params[0].default == "n3w-secret-0815"
    assert "n3w-secret-0815" not in Task.get_by_id(task_id).spec_json
    assert table.item(0, COL_DEFAULT).text() == MASK  # stored: masked again, nothing unsaved
    assert "n3w-secret-0815" not in _widget_texts(editor)
    assert not editor.is_dirty()

    rec = _run(qtbot, ctx, task_id)
    assert rec.status is RunStatus.SUCCESS
    assert Path(rec.log_path).read_bytes().strip() == b"5180-terces-w3n"


def test_a_secret_default_with_choices_saves_unchanged(
    qtbot: QtBot, ctx: AppContext, editor: EditorTab
) -> None:
    stage = Param("stage", default="dev", secret=True, choices=["prod", "dev"])
    task_id = add_task(ctx.store, shell_task("deploy", "true", params=[stage])).id
    _open(qtbot, editor, task_id)
    editor.form.retries.setValue(1)  # a change elsewhere: the masked default must pass
    _save(qtbot, editor)
    assert not editor.form.errors["params"].isVisible()
    row = tasks_repo.get(task_id)
    assert (row.version, row.spec.retries, row.spec.params[0].default) == (2, 1, "dev")


def test_unchecking_secret_does_not_keep_the_mask_as_a_default(
    qtbot: QtBot, ctx: AppContext, editor: EditorTab
) -> None:
    params = [Param("token", default=SECRET, secret=True)]
    task_id = add_task(ctx.store, shell_task("flip", "true", params=params)).id
    _open(qtbot, editor, task_id)
    table = editor.form.params
    table.set_cell(0, COL_SECRET, "")
    assert table.params()[0].default is None  # "***" would have become a default in clear
    table.set_cell(0, COL_SECRET, "on")
    assert table.params()[0].default == MASK  # checked again: the stored default stays
    assert not editor.is_dirty()


def test_every_validation_problem_shows_under_a_field(
    qtbot: QtBot, ctx: AppContext, editor: EditorTab
) -> None:
    editor.edit_task(None)
    editor.form.name.setText("bad-fields")
    editor.form.command.setText("true")
    editor.form.env.set_items({"FOO": "a\0b"})
    editor.form.description.setText("d" * 20_000)
    assert editor.save() is False
    errors = editor.form.errors
    assert errors["env"].isVisible()
    assert errors["env"].text() == "env.FOO: contains a NUL byte"
    assert errors["description"].isVisible()
    assert errors["description"].text() == ("is 20,000 characters long; at most 10,000 characters")
    assert editor.status.text() == "2 problem(s): see the marked fields"
    assert tasks_repo.find("bad-fields") is None

    params = [Param("p", default="x\0y"), Param("q", choices=["a", "b\0"])]
    editor.form.params.set_params(params)
    editor.form.env.set_items({})
    editor.form.description.setText("")
    assert editor.save() is False
    assert errors["params"].text() == (
        "params[1].default: contains a NUL byte\nparams[2].choices[2]: contains a NUL byte"
    )
    assert tasks_repo.find("bad-fields") is None


def test_a_shell_line_runs_under_the_interpreter_chosen_in_the_editor(
    qtbot: QtBot, ctx: AppContext, editor: EditorTab
) -> None:
    form = editor.form
    editor.edit_task(None)
    assert form.interpreter.currentText() == "sh"
    assert form.interpreter.isEnabled()  # a shell line: its interpreter can be chosen
    form.shell.setChecked(False)
    assert not form.interpreter.isEnabled()  # argv: nothing interprets it
    form.shell.setChecked(True)
    form.name.setText("which-shell")
    form.command.setText('echo "$0"')
    task_id = _save(qtbot, editor)
    assert tasks_repo.get(task_id).spec.interpreter == "sh"
    assert Path(_run(qtbot, ctx, task_id).log_path).read_bytes() == b"/bin/sh\n"

    form.interpreter.setCurrentText("bash")
    _save(qtbot, editor)
    assert tasks_repo.get(task_id).spec.interpreter == "bash"
    out = Path(_run(qtbot, ctx, task_id).log_path).read_bytes()
    assert out.endswith(b"bash\n") and out != b"/bin/sh\n"


def test_the_script_label_names_the_chosen_interpreter(editor: EditorTab) -> None:
    form = editor.form
    editor.edit_task(None)
    form.kind.setCurrentText(str(TaskKind.SCRIPT))
    assert form.interpreter.isEnabled() and not form.shell.isEnabled()
    form.interpreter.setCurrentText("python")
    assert editor.script_label.text() == "<b>Script</b> (python)"
    form.interpreter.setCurrentText("<i>odd</i>")
    assert editor.script_label.text() == "<b>Script</b> (&lt;i&gt;odd&lt;/i&gt;)"
    form.kind.setCurrentText(str(TaskKind.COMMAND))
    assert editor.script_label.text() == "<b>Script</b> (not used by a command task)"


def test_steps_offer_an_interpreter_for_scripts_and_shell_lines(editor: EditorTab) -> None:
    steps = editor.form.steps
    editor.edit_task(None)
    steps._on_add_clicked()
    assert steps.steps()[0].interpreter == "sh"
    assert steps.interpreter.isEnabled() and steps.command.isEnabled()
    assert not steps.script.isEnabled()
    steps.shell.setChecked(False)
    assert not steps.interpreter.isEnabled()
    steps.kind.setCurrentText(str(TaskKind.SCRIPT))
    assert steps.interpreter.isEnabled() and steps.script.isEnabled()
    assert not steps.command.isEnabled() and not steps.shell.isEnabled()


def test_the_script_labels_name_the_interpreter_chosen_by_keyboard(
    qtbot: QtBot, editor: EditorTab
) -> None:
    """Typed into the interpreter box (not set by code), and for a task with steps: the
    task's own script is not used, each step's script row names the step's interpreter."""
    form = editor.form
    editor.edit_task(None)
    form.kind.setCurrentText(str(TaskKind.SCRIPT))
    form.interpreter.lineEdit().selectAll()
    qtbot.keyClicks(form.interpreter.lineEdit(), "python3")
    assert editor.script_label.text() == "<b>Script</b> (python3)"
    assert editor.highlighter.language() == "Python"
    steps = form.steps
    steps._on_add_clicked()
    assert "not used: the task runs its steps" in editor.script_label.text()
    steps.kind.setCurrentText(str(TaskKind.SCRIPT))
    steps.interpreter.lineEdit().selectAll()
    qtbot.keyClicks(steps.interpreter.lineEdit(), "node")
    assert steps.script_label.text() == "Script (node)"
    assert steps.steps()[0].interpreter == "node"
    steps.kind.setCurrentText(str(TaskKind.COMMAND))
    assert steps.script_label.text() == "Script (not used)"


def test_a_missing_working_directory_is_refused_under_its_field(
    qtbot: QtBot, editor: EditorTab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    editor.edit_task(None)
    editor.form.name.setText("in-a-folder")
    editor.form.command.setText("pwd")
    editor.form.cwd.setText("~/not-there")
    assert editor.save() is False
    label = editor.form.errors["cwd"]
    assert label.isVisible()
    where = tmp_path / "not-there"
    expected = f"the working directory '~/not-there' (= {where}) does not exist on this machine"
    assert label.text() == expected
    assert tasks_repo.find("in-a-folder") is None
    where.mkdir()
    _save(qtbot, editor)
    assert tasks_repo.get("in-a-folder").spec.cwd == "~/not-there"


def test_command_examples_run_under_sh() -> None:
    commands = [s for s in example_specs() if s.kind is TaskKind.COMMAND]
    assert commands and all(s.interpreter == "sh" and s.shell for s in commands)


def test_a_task_log_cap_set_in_the_editor_caps_its_runs(
    qtbot: QtBot, ctx: AppContext, editor: EditorTab
) -> None:
    code = "import sys; sys.stdout.write('x' * (3 * 1024 * 1024))"
    task_id = add_task(ctx.store, py_task("chatty", code)).id
    _open(qtbot, editor, task_id)
    cap = editor.form.log_cap
    assert cap.mode.currentIndex() == MODE_DEFAULT and not cap.mib.isEnabled()
    cap.mode.setCurrentIndex(MODE_CAP)
    cap.mib.setValue(1)
    _save(qtbot, editor)
    assert tasks_repo.get(task_id).spec.log_cap_bytes == MIB

    rec = _run(qtbot, ctx, task_id)
    assert rec.status is RunStatus.SUCCESS
    assert rec.log_dropped > 0
    note = dropped_note(rec.log_dropped, f"the log is capped at {MIB} bytes")
    assert MIB // 2 < Path(rec.log_path).stat().st_size <= MIB + len(note)

    cap.mode.setCurrentIndex(MODE_NONE)
    _save(qtbot, editor)
    assert tasks_repo.get(task_id).spec.log_cap_bytes == 0


def test_a_log_cap_in_bytes_survives_an_unchanged_save(
    qtbot: QtBot, ctx: AppContext, editor: EditorTab
) -> None:
    spec = TaskSpec(name="exact", command="true", interpreter="sh", log_cap_bytes=5000)
    task_id = add_task(ctx.store, spec).id
    _open(qtbot, editor, task_id)
    assert editor.form.log_cap.mib.value() == 1
    assert not editor.is_dirty()
    _save(qtbot, editor)
    assert [v.number for v in tasks_repo.versions(task_id)] == [1]
    editor.form.log_cap.mib.setValue(2)
    _save(qtbot, editor)
    assert tasks_repo.get(task_id).spec.log_cap_bytes == 2 * MIB


def test_a_log_cap_out_of_range_shows_under_its_field(editor: EditorTab) -> None:
    editor.edit_task(None)
    editor.form.name.setText("tiny-cap")
    editor.form.command.setText("true")
    editor.form.log_cap.set_value(100)  # as a hand-written spec could hold
    assert editor.save() is False
    label = editor.form.errors["log_cap_bytes"]
    assert label.isVisible()
    assert label.text() == "must be at least 4096 bytes (or 0 for no cap), not 100"
    assert tasks_repo.find("tiny-cap") is None


def test_every_field_path_of_validation_has_an_error_line() -> None:
    """A spec wrong in every field: the path of each problem maps to a line of the form."""
    bad = "\0"
    spec = TaskSpec(
        name=bad,
        command=bad,
        interpreter=bad,
        cwd=bad,
        description=bad,
        timeout=-1,
        retries=-1,
        retry_backoff=-1,
        max_concurrent=0,
        log_cap_bytes=1,
        tags=[bad],
        env={"A": bad, "1": "x"},
        params=[Param(bad), Param("p", default=bad, choices=[bad])],
        schedule=Schedule(cron=bad),
    )
    with_steps = replace(spec, steps=[Step(name=bad, command=bad, timeout=-1)])
    fields = {e.field for s in (spec, with_steps) for e in validate_task(s)}
    assert {"env.A", "params[2].default", "steps[1].command", "description"} <= fields
    assert all(error_key(f) in ERROR_FIELDS for f in fields), sorted(fields)
