"""The Tasks and Editor tabs as a user meets them, against a real store, a real host and real
child processes: create and save a task, run it, stop it, run with parameters, diff and roll
back versions, the unsaved-changes guard, and the example tasks of the empty state."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import Param, RunStatus
from taskrun_gui.storage import runs_repo, tasks_repo
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.editor.editor_tab import EditorTab
from taskrun_gui.ui.tasks.example_tasks import example_specs
from taskrun_gui.ui.tasks.queue_model import QueueModel
from taskrun_gui.ui.tasks.task_filter_proxy import TaskFilterProxy
from taskrun_gui.ui.tasks.task_table_model import COL_NAME, COL_STATUS
from taskrun_gui.ui.tasks.tasks_tab import TasksTab
from tests.helpers import add_task, app_context, py_task, shell_task

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    with app_context(tmp_path, workers=2) as context:
        yield context


@pytest.fixture
def tabs(qtbot: QtBot, ctx: AppContext) -> Iterator[tuple[TasksTab, EditorTab]]:
    """Both tabs side by side in one window, wired as the main window wires them."""
    host = QWidget()
    tasks = TasksTab(ctx, parent=host)
    editor = EditorTab(ctx, parent=host)
    tasks.setGeometry(0, 0, 1100, 450)
    editor.setGeometry(0, 450, 1100, 600)
    qtbot.addWidget(host)
    host.resize(1100, 1050)
    editor.saved.connect(tasks.select_task)
    editor.saved.connect(lambda _id: tasks.model.reload_now())
    tasks.edit_requested.connect(editor.edit_task)
    host.show()
    qtbot.waitExposed(host)
    host.activateWindow()
    with qtbot.waitSignal(tasks.tasks_loaded):
        tasks.model.reload_now()
    yield tasks, editor
    host.close()


def _status_of(tasks: TasksTab, name: str) -> str | None:
    model = tasks.model
    for row in range(model.rowCount()):
        if model.index(row, COL_NAME).data() == name:
            return model.index(row, COL_STATUS).data()
    return None


def _load(qtbot: QtBot, tasks: TasksTab, name: str) -> int:
    tasks.model.reload_now()
    qtbot.waitUntil(lambda: _status_of(tasks, name) is not None)
    task_id = tasks_repo.get(name).id
    assert tasks.select_task(task_id)
    return task_id


def test_models_pass_the_model_tester(qtbot: QtBot, qtmodeltester, tabs, ctx) -> None:
    tasks, _ = tabs
    add_task(ctx.store, shell_task("alpha", "true", tags=["nightly"]))
    add_task(ctx.store, shell_task("beta", "true"))
    _load(qtbot, tasks, "beta")
    qtmodeltester.check(tasks.model)
    proxy = TaskFilterProxy()
    proxy.setSourceModel(tasks.model)
    proxy.set_search("tag:nightly")
    assert proxy.rowCount() == 1
    qtmodeltester.check(proxy)
    ctx.executor.set_queue_paused(True)
    recs = ctx.executor.enqueue(
        tasks_repo.get("alpha").id, 1, tasks_repo.get("alpha").spec, repeat=3
    )
    queue = QueueModel()
    queue.set_runs(ctx.executor.queue())
    assert queue.rowCount() == 3
    qtmodeltester.check(queue)
    for rec in recs:
        ctx.executor.cancel(rec.uid)


def test_create_in_editor_save_then_run_with_ctrl_r(qtbot: QtBot, tabs, ctx) -> None:
    tasks, editor = tabs
    editor.edit_task(None)
    qtbot.mouseClick(editor.form.name, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(editor.form.name, "greet")
    qtbot.mouseClick(editor.form.command, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(editor.form.command, "echo hello from the editor")
    with qtbot.waitSignal(editor.saved, timeout=5000) as saved:
        qtbot.keyClick(editor.form.command, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    row = tasks_repo.get("greet")
    assert row.id == saved.args[0]
    assert row.spec.command == "echo hello from the editor"
    qtbot.waitUntil(lambda: _status_of(tasks, "greet") == "never run")

    _load(qtbot, tasks, "greet")
    row_rect = tasks.table.visualRect(tasks.table.selectionModel().selectedRows()[0])
    qtbot.mouseClick(tasks.table.viewport(), Qt.MouseButton.LeftButton, pos=row_rect.center())
    with qtbot.waitSignal(ctx.executor.run_finished, timeout=10000) as finished:
        qtbot.keyClick(tasks.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert finished.args[0].status is RunStatus.SUCCESS
    qtbot.waitUntil(lambda: _status_of(tasks, "greet") == "success")


def test_validation_messages_show_next_to_fields(qtbot: QtBot, tabs) -> None:
    _, editor = tabs
    editor.edit_task(None)
    qtbot.keyClicks(editor.form.name, "bad name!")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.form.errors["name"].isVisible()
    assert "not a valid name" in editor.form.errors["name"].text()
    assert editor.form.errors["command"].isVisible()


def test_stop_a_long_run_kills_its_process(qtbot: QtBot, tabs, ctx) -> None:
    tasks, _ = tabs
    add_task(ctx.store, py_task("sleepy", "import time; time.sleep(60)"))
    _load(qtbot, tasks, "sleepy")
    tasks.run_selected()
    qtbot.waitUntil(lambda: any(r.pid for r in ctx.executor.running()), timeout=10000)
    pid = next(r.pid for r in ctx.executor.running() if r.pid)
    stop_button = tasks.toolbar.widgetForAction(tasks.actions_.stop)
    qtbot.waitUntil(stop_button.isEnabled)
    with qtbot.waitSignal(ctx.executor.run_finished, timeout=15000) as finished:
        qtbot.mouseClick(stop_button, Qt.MouseButton.LeftButton)
    assert finished.args[0].status is RunStatus.CANCELLED
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    qtbot.waitUntil(lambda: _status_of(tasks, "sleepy") == "cancelled")


def test_run_with_parameters_masks_the_secret(qtbot: QtBot, tabs, ctx) -> None:
    tasks, _ = tabs
    code = (
        "import os; print(os.environ['TASKRUN_PARAM_WHO'], len(os.environ['TASKRUN_PARAM_TOKEN']))"
    )
    params = [Param("who", default="world"), Param("token", required=True, secret=True)]
    add_task(ctx.store, py_task("with-params", code, params=params))
    _load(qtbot, tasks, "with-params")
    tasks.run_selected()
    dialog = tasks.params_dialog
    assert dialog is not None
    token = dialog.editors["token"]
    assert isinstance(token, QLineEdit)
    assert token.echoMode() == QLineEdit.EchoMode.Password
    qtbot.keyClicks(token, "s3cret-value")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    with qtbot.waitSignal(ctx.executor.run_finished, timeout=10000) as finished:
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    rec = finished.args[0]
    assert rec.status is RunStatus.SUCCESS
    assert ctx.writer.flush()
    stored = runs_repo.get_by_uid(rec.uid)
    assert stored is not None
    assert stored.params == {"who": "world", "token": "***"}
    assert Path(stored.log_path).read_bytes().strip().endswith(b"world 12")


def test_diff_two_versions_and_roll_back(qtbot: QtBot, tabs, ctx) -> None:
    _tasks, editor = tabs
    task_id = add_task(ctx.store, shell_task("versioned", "echo one")).id
    with qtbot.waitSignal(editor.loaded):
        editor.edit_task(task_id)
    editor.form.command.clear()
    qtbot.keyClicks(editor.form.command, "echo two")
    with qtbot.waitSignal(editor.saved):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    panel = editor.versions
    qtbot.waitUntil(lambda: panel.list.count() == 2)
    with qtbot.waitSignal(panel.diff_shown):
        panel.select_numbers([1, 2])
    diff = panel.diff_view.diff()
    assert '-  "command": "echo one",' in diff
    assert '+  "command": "echo two",' in diff

    panel.confirm = lambda _title, _text: True
    panel.select_numbers([1])
    with qtbot.waitSignal(panel.rolled_back):
        qtbot.mouseClick(panel.rollback_button, Qt.MouseButton.LeftButton)
    assert [v.number for v in tasks_repo.versions(task_id)] == [3, 2, 1]
    assert tasks_repo.get(task_id).spec.command == "echo one"
    assert editor.form.command.text() == "echo one"
    qtbot.waitUntil(lambda: panel.list.count() == 3)


def test_unsaved_changes_guard(qtbot: QtBot, tabs, ctx) -> None:
    _, editor = tabs
    first = add_task(ctx.store, shell_task("first", "echo 1")).id
    second = add_task(ctx.store, shell_task("second", "echo 2")).id
    with qtbot.waitSignal(editor.loaded):
        editor.edit_task(first)
    qtbot.keyClick(editor.form.command, Qt.Key.Key_End)
    qtbot.keyClicks(editor.form.command, " changed")
    assert editor.is_dirty()
    asked: list[int] = []

    def answer(button: QMessageBox.StandardButton) -> object:
        return lambda: asked.append(1) or button

    editor.ask_unsaved = answer(QMessageBox.StandardButton.Cancel)  # type: ignore[assignment]
    assert editor.edit_task(second) is False
    assert editor.form.command.text() == "echo 1 changed"
    editor.ask_unsaved = answer(QMessageBox.StandardButton.Discard)  # type: ignore[assignment]
    with qtbot.waitSignal(editor.loaded):
        assert editor.edit_task(second) is True
    assert editor.form.command.text() == "echo 2"
    assert tasks_repo.get(first).spec.command == "echo 1"
    assert len(asked) == 2
    editor.edit_task(first)  # nothing changed: no question
    assert len(asked) == 2


def test_empty_state_adds_the_example_tasks(qtbot: QtBot, tabs, ctx) -> None:
    tasks, _ = tabs
    assert tasks.stack.currentWidget() is tasks.empty_state
    with qtbot.waitSignal(tasks.tasks_loaded, timeout=5000):
        qtbot.mouseClick(tasks.empty_state.examples_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tasks.model.rowCount() == 4)
    assert tasks.stack.currentWidget() is tasks.splitter
    names = sorted(tasks.task_names())
    assert names == sorted(s.name for s in example_specs())
    assert sys.executable  # the python example uses the "python" interpreter
    _load(qtbot, tasks, "always-fails")
    with qtbot.waitSignal(ctx.executor.run_finished, timeout=10000) as finished:
        tasks.run_selected()
    assert finished.args[0].status is RunStatus.FAILED
    qtbot.waitUntil(lambda: _status_of(tasks, "always-fails") == "failed")


def test_a_title_with_spaces_is_shown_in_the_table_and_the_editor(qtbot: QtBot, tabs) -> None:
    tasks, editor = tabs
    editor.edit_task(None)
    qtbot.keyClicks(editor.form.name, "my new task")
    qtbot.keyClicks(editor.form.command, "true")
    assert editor.save() is False
    assert "a title with spaces goes in the task's title" in editor.form.errors["name"].text()
    editor.form.name.clear()
    qtbot.keyClicks(editor.form.name, "my-new-task")
    qtbot.keyClicks(editor.form.title, "My new task")
    with qtbot.waitSignal(editor.saved, timeout=5000):
        assert editor.save()
    assert tasks_repo.get("my-new-task").spec.title == "My new task"
    assert editor.title.text().startswith("<b>My new task <span")
    assert "(my-new-task)" in editor.title.text()
    qtbot.waitUntil(lambda: _row_of(tasks, "My new task (my-new-task)") is not None)
    name_cell = tasks.model.index(_row_of(tasks, "My new task (my-new-task)"), COL_NAME)
    assert "taskrun run my-new-task" in name_cell.data(Qt.ItemDataRole.ToolTipRole)
    tasks.search.setText("new task")  # words of the title find it
    assert tasks.proxy.rowCount() == 1
    tasks.search.setText("nothing-like-it")
    assert tasks.proxy.rowCount() == 0


def _row_of(tasks: TasksTab, text: str) -> int | None:
    model = tasks.model
    rows = [r for r in range(model.rowCount()) if model.index(r, COL_NAME).data() == text]
    return rows[0] if rows else None
