"""The window with the keyboard alone and at a large font: Tab leaves the Tasks table and
reaches the toolbar and the queue's buttons, Ctrl+N starts typing in the Name field, a task is
created, saved, run, watched and stopped with key presses only (QTest key clicks), and at a
14 pt application font the editor's labels and the Parameters headers show whole."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QFormLayout, QLabel, QWidget
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import Param, RunStatus
from taskrun_gui.storage import runs_repo, tasks_repo
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.editor.params_table import COL_CHOICES, HEADERS
from taskrun_gui.ui.main_window import MainWindow
from tests.helpers import add_task, app_context, gone, py_task, shell_task

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)
Key = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    with app_context(tmp_path, workers=1) as context:
        yield context


def _window(qtbot: QtBot, ctx: AppContext, width: int = 1280, height: int = 800) -> MainWindow:
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(width, height)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    win.confirm_quit = lambda _running, _queued: True
    return win


@pytest.fixture
def window(qtbot: QtBot, ctx: AppContext) -> Iterator[MainWindow]:
    win = _window(qtbot, ctx)
    yield win
    win.close()


def _focus() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def _press(
    qtbot: QtBot, key: Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    """A key press where the keyboard focus is, as a user's would land."""
    qtbot.keyClick(_focus(), key, modifier)


def _tab_to(qtbot: QtBot, target: QWidget, limit: int = 60) -> list[QWidget]:
    """Press Tab until `target` has the focus; returns the widgets passed on the way."""
    passed: list[QWidget] = []
    for _ in range(limit):
        if _focus() is target:
            return passed
        passed.append(_focus())
        _press(qtbot, Key.Key_Tab)
    raise AssertionError(
        f"Tab never reached {target!r}; it went {[type(w).__name__ for w in passed[:12]]}"
    )


def test_create_save_run_watch_and_stop_with_the_keyboard_alone(
    qtbot: QtBot, window: MainWindow, ctx: AppContext
) -> None:
    window.tasks_tab.table.setFocus()
    _press(qtbot, Key.Key_N, CTRL)  # File > New task
    form = window.editor_tab.form
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.name)
    qtbot.keyClicks(_focus(), "by-keys")
    _press(qtbot, Key.Key_Tab)
    assert _focus() is form.title
    qtbot.keyClicks(_focus(), "Made with the keyboard")
    _tab_to(qtbot, form.command)
    code = "import time; print('ready', flush=True); time.sleep(60)"
    qtbot.keyClicks(_focus(), f'{sys.executable} -c "{code}"')
    with qtbot.waitSignal(window.editor_tab.saved, timeout=10_000):
        _press(qtbot, Key.Key_S, CTRL)
    task = tasks_repo.get("by-keys")
    assert (task.spec.title, task.spec.command) == ("Made with the keyboard", form.command.text())

    _press(qtbot, Key.Key_1, CTRL)  # View > Tasks: the saved task is the selected one
    assert window.tabs.currentIndex() == 0
    tasks = window.tasks_tab
    _tab_to(qtbot, tasks.table)
    qtbot.waitUntil(lambda: tasks.selected_task_id() == task.id)
    _press(qtbot, Key.Key_R, CTRL)  # Run
    qtbot.waitUntil(lambda: any(r.pid for r in ctx.executor.running()), timeout=10_000)
    pid = next(r.pid for r in ctx.executor.running() if r.pid)

    _press(qtbot, Key.Key_3, CTRL)  # View > Logs / History: the run's live output
    history = window.history_tab
    _tab_to(qtbot, history.table)
    qtbot.waitUntil(lambda: history.model.rowCount() > 0, timeout=10_000)
    _press(qtbot, Key.Key_Home)
    qtbot.waitUntil(lambda: "ready" in history.log_view.text(), timeout=10_000)

    _press(qtbot, Key.Key_1, CTRL)
    _tab_to(qtbot, tasks.table)
    with qtbot.waitSignal(ctx.executor.run_finished, timeout=10_000) as finished:
        _press(qtbot, Key.Key_Period, CTRL)  # Stop
    assert finished.args[0].status is RunStatus.CANCELLED
    qtbot.waitUntil(lambda: gone(pid), timeout=10_000)
    assert ctx.writer.flush(10)
    stored = runs_repo.get_by_uid(finished.args[0].uid)
    assert stored is not None and stored.status is RunStatus.CANCELLED


def test_tab_leaves_the_tasks_table_for_the_queue_buttons_and_the_toolbar(
    qtbot: QtBot, window: MainWindow, ctx: AppContext
) -> None:
    add_task(ctx.store, py_task("busy", "import time; time.sleep(60)", max_concurrent=1))
    tasks = window.tasks_tab
    tasks.model.reload_now()
    qtbot.waitUntil(lambda: tasks.model.rowCount() == 1)
    _tab_to(qtbot, tasks.table)  # tabbing in selects the first task
    assert tasks.selected_task_id() is not None
    for _ in range(3):
        _press(qtbot, Key.Key_R, CTRL)  # one runs, two wait in the queue
        _press(qtbot, Key.Key_1, CTRL)  # Run showed its output in Logs: back to Tasks
    queue = tasks.queue_panel
    qtbot.waitUntil(lambda: queue.model.rowCount() == 2, timeout=10_000)
    _tab_to(qtbot, queue.table)  # tabbing in selects the first waiting run
    first = queue.selected_uid()
    assert first is not None
    _tab_to(qtbot, queue.down_button)
    _press(qtbot, Key.Key_Space)  # Move down
    qtbot.waitUntil(lambda: queue.model.uid_at(1) == first, timeout=5000)
    _tab_to(qtbot, queue.cancel_button)
    _press(qtbot, Key.Key_Space)  # Cancel run: the selected one leaves the queue
    qtbot.waitUntil(lambda: queue.model.rowCount() == 1, timeout=5000)
    toolbar_buttons = {tasks.toolbar.widgetForAction(a) for a in tasks.toolbar.actions()}
    passed = _tab_to(qtbot, tasks.search)
    assert toolbar_buttons & set(passed), "Tab never reached the toolbar"
    _tab_to(qtbot, tasks.table)  # and round again: the table is left and reached by Tab
    for uid in [r.uid for r in ctx.executor.running()] + sorted(ctx.executor.queue_uids()):
        ctx.executor.cancel(uid)
    qtbot.waitUntil(lambda: not ctx.executor.running(), timeout=10_000)


def _clipped_labels(root: QWidget) -> list[str]:
    """The form labels narrower or lower than their text needs."""
    out = []
    for form in root.findChildren(QFormLayout):
        for row in range(form.rowCount()):
            item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            label = item.widget() if item is not None else None
            if isinstance(label, QLabel) and label.text() and label.isVisible():
                hint = label.sizeHint()
                if label.width() < hint.width() or label.height() < hint.height():
                    out.append(label.text())
    return out


@pytest.mark.parametrize("width", [1280, 1024])
def test_a_14_pt_font_clips_no_editor_label_nor_parameters_header(
    qtbot: QtBot, ctx: AppContext, width: int
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    normal = app.font()
    large = QFont(normal)
    large.setPointSizeF(14)
    app.setFont(large)
    try:
        spec = shell_task(
            "deploy",
            "echo $TARGET",
            params=[Param("TARGET", default="staging", choices=["staging", "production"])],
        )
        task = add_task(ctx.store, spec)
        win = _window(qtbot, ctx, width, 700)
        win.tabs.setCurrentIndex(1)
        editor = win.editor_tab
        with qtbot.waitSignal(editor.loaded, timeout=5000):
            editor.edit_task(task.id)
        qtbot.waitUntil(lambda: editor.splitter.sizes()[0] >= editor.form_scroll.minimumWidth())
        assert _clipped_labels(editor.form) == []
        header = editor.form.params.table.horizontalHeader()
        for col, text in enumerate(HEADERS):
            assert header.sectionSize(col) >= header.sectionSizeHint(col), text
        win.close()
    finally:
        app.setFont(normal)


def test_the_choices_column_shows_whole_at_1280_px(qtbot: QtBot, window: MainWindow, ctx) -> None:
    spec = shell_task("deploy", "true", params=[Param("TARGET", choices=["staging", "prod"])])
    task = add_task(ctx.store, spec)
    window.tabs.setCurrentIndex(1)
    editor = window.editor_tab
    with qtbot.waitSignal(editor.loaded, timeout=5000):
        editor.edit_task(task.id)
    table = editor.form.params.table
    qtbot.waitUntil(lambda: editor.splitter.sizes()[0] >= editor.form.minimumSizeHint().width())
    header = table.horizontalHeader()
    right = header.sectionViewportPosition(COL_CHOICES) + header.sectionSize(COL_CHOICES)
    assert header.sectionViewportPosition(COL_CHOICES) >= 0 and right <= table.viewport().width()
    assert header.sectionSize(COL_CHOICES) >= header.sectionSizeHint(COL_CHOICES)
    scroll = editor.form_scroll
    assert not scroll.horizontalScrollBar().isVisible()  # the whole form fits across
