"""The main window against a real store and host: title and tabs, status-bar counts, the
store-failure warning, the in-window notification of a failed run, the quit question, and the
single-instance handshake over QLocalSocket."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtNetwork import QLocalSocket
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.single_instance import SingleInstance
from taskrun_gui.storage import tasks_repo
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.main_window import MainWindow
from tests.helpers import add_task, app_context, py_task, shell_task, shown_window

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    with app_context(tmp_path, workers=1) as context:
        yield context


@pytest.fixture
def window(qtbot: QtBot, ctx: AppContext) -> Iterator[MainWindow]:
    with shown_window(qtbot, ctx) as win:
        yield win


def test_title_and_five_tabs(qtbot: QtBot, window: MainWindow) -> None:
    assert window.windowTitle() == "TaskRun"
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles == ["Tasks", "Editor", "Logs / History", "Trends", "Monitor"]
    window.activateWindow()
    window.tasks_tab.table.setFocus()
    qtbot.keyClick(window.tasks_tab.table, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 3
    qtbot.keyClick(window.tabs, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 0


def test_tabs_other_than_the_first_are_built_when_first_shown(qtbot: QtBot, window) -> None:
    pages = [window._editor_page, window._history_page, window._trends_page, window._monitor_page]
    assert window.tabs.currentIndex() == 0
    assert [p.is_built for p in pages] == [False] * 4  # start-up builds only what is shown
    window.tabs.setCurrentIndex(3)
    assert window._trends_page.is_built and window.tabs.currentWidget().isVisible()
    assert not window._history_page.is_built
    window.show_run(1)  # e.g. from a notification: the Logs tab is built and shown
    assert window._history_page.is_built and window.tabs.currentIndex() == 2
    assert window.history_tab.isVisible()


def test_status_bar_counts_running_and_queued(qtbot: QtBot, window: MainWindow, ctx) -> None:
    row = add_task(ctx.store, py_task("sleepy", "import time; time.sleep(60)", max_concurrent=2))
    assert window.counts_label.text() == "0 running · 0 queued"
    recs = ctx.executor.enqueue(row.id, row.version, row.spec, repeat=2)
    qtbot.waitUntil(lambda: window.counts_label.text() == "1 running · 1 queued", timeout=5000)
    assert window.counts_label.isVisible()
    with qtbot.waitSignal(window.quit_requested, raising=False, timeout=100) as asked:
        window.confirm_quit = lambda _running, _queued: False
        assert window.request_quit() is False
    assert not asked.signal_triggered
    for rec in recs:
        ctx.executor.cancel(rec.uid)
    qtbot.waitUntil(lambda: window.counts_label.text() == "0 running · 0 queued", timeout=15000)


def test_store_failure_warning_is_visible_until_healthy(qtbot: QtBot, window: MainWindow, ctx):
    assert not window.health_label.isVisible()
    ctx.executor.store_health_changed.emit(False, "disk full")
    assert window.health_label.isVisible()
    assert "disk full" in window.health_label.text()
    ctx.executor.store_health_changed.emit(True, "")
    assert not window.health_label.isVisible()


def test_failed_run_shows_a_banner_then_recovery(qtbot: QtBot, window: MainWindow, ctx) -> None:
    row = add_task(ctx.store, shell_task("flaky", 'test -e "$TASKRUN_PARAM_OK" || exit 3'))
    assert not window.notifier.uses_tray()  # offscreen has no tray: the banner is used
    with qtbot.waitSignal(window.notifier.notified, timeout=10000) as notified:
        ctx.executor.enqueue(row.id, row.version, row.spec)
    title, message, level = notified.args
    assert (title, level) == ("flaky: failed", "error")
    assert "3" in message
    assert window.banner.isVisible()
    assert window.banner.messages()[0].level == "error"

    spec = tasks_repo.get(row.id).spec
    spec.command = "true"
    with qtbot.waitSignal(window.notifier.notified, timeout=10000) as notified:
        ctx.executor.enqueue(row.id, row.version, spec)
    assert notified.args[0] == "flaky recovered"


def test_a_task_with_retries_is_told_once_per_chain(qtbot: QtBot, window: MainWindow, ctx):
    """Three failing attempts make one failure banner; a chain that fails once, then
    succeeds, makes one recovery banner; the retried attempts are only quiet notes."""
    spec = shell_task("flaky", "exit 3", retries=2, retry_backoff=0.05)
    row = add_task(ctx.store, spec)
    model = window.tasks_tab.model
    model.reload_now()  # the task was written behind the window's back
    qtbot.waitUntil(lambda: model.row_of(row.id) is not None, timeout=10000)
    ended: list[RunRecord] = []
    ctx.hub.changed.connect(lambda c: ended.extend(c.finished))  # after the window's slot

    def banners_after_chain(command: str) -> tuple[list[str], list[str]]:
        spec.command = command
        ended.clear()
        first = ctx.executor.enqueue(row.id, row.version, spec)[0]

        def chain_ended() -> bool:
            return any(r.status is RunStatus.SUCCESS or r.attempt == 3 for r in ended)

        qtbot.waitUntil(chain_ended, timeout=30000)
        assert all((r.first_uid or r.uid) == first.uid for r in ended)
        history = window.notifier.history()
        return [n.title for n in history if n.shown], [n.title for n in history if not n.shown]

    shown, quiet = banners_after_chain("exit 3")
    assert shown == ["flaky: failed"]
    assert len(window.banner.messages()) == 1
    assert window.banner.messages()[0].run_uid == ended[-1].uid  # the chain's last attempt
    assert window.banner.messages()[0].message_label.text().endswith("3 (after 3 attempts)")
    assert quiet == ["flaky: attempt 1/3 failed, retrying", "flaky: attempt 2/3 failed, retrying"]

    mark = ctx.store.data_dir / "failed-once"
    shown, quiet = banners_after_chain(f'test -e "{mark}" || {{ touch "{mark}"; exit 3; }}')
    assert shown == ["flaky: failed", "flaky recovered"]
    assert len(window.banner.messages()) == 2
    assert quiet[-1] == "flaky: attempt 1/3 failed, retrying"


def test_cancelled_run_is_not_notified(qtbot: QtBot, window: MainWindow, ctx) -> None:
    row = add_task(ctx.store, py_task("long", "import time; time.sleep(60)"))
    rec = ctx.executor.enqueue(row.id, row.version, row.spec)[0]
    qtbot.waitUntil(lambda: any(r.pid for r in ctx.executor.running()), timeout=10000)
    with qtbot.waitSignal(ctx.executor.run_finished, timeout=15000) as finished:
        ctx.executor.cancel(rec.uid)
    assert finished.args[0].status is RunStatus.CANCELLED
    assert window.notifier.history() == []


def test_second_launch_raises_the_window(qtbot: QtBot, window: MainWindow, ctx) -> None:
    instance = SingleInstance(ctx.store.data_dir)
    assert instance.claim()
    instance.raise_requested.connect(window.bring_to_front)
    window.showMinimized()
    socket = QLocalSocket()
    with qtbot.waitSignal(window.brought_to_front, timeout=5000):
        socket.connectToServer(instance.name)
        assert socket.waitForConnected(2000)
        socket.write(b"raise\n")
        socket.flush()
    assert window.isVisible() and not window.isMinimized()
    qtbot.waitUntil(lambda: socket.bytesAvailable() > 0, timeout=5000)
    assert bytes(socket.readAll().data()).startswith(b"raised ")  # the launch is answered
    socket.disconnectFromServer()
    instance.close()
