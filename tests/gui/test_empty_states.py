"""An empty table says why it is empty: the Logs tab of a new history, a Logs filter that
matches no run (with Clear filters; the details and log of the run that left the list are
emptied), and a Tasks search that matches no task."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import TaskSpec
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.history.empty_runs import NO_MATCH, NO_RUNS
from taskrun_gui.ui.main_window import TAB_TASKS
from taskrun_gui.ui.widgets.view_message import ViewMessage
from tests.gui.test_history_tab import WAIT, Env, env, wait_final, wait_row  # noqa: F401
from tests.gui.test_main_window import ctx  # noqa: F401
from tests.helpers import add_task, shown_window


def _centred_in_view(message: ViewMessage) -> bool:
    viewport = message.parentWidget()
    centre = message.title.mapTo(viewport, message.title.rect().center())
    middle = viewport.rect().center()
    return abs(centre.x() - middle.x()) <= 4 and abs(centre.y() - middle.y()) <= 40


def test_a_new_history_says_there_are_no_runs_yet(qtbot: QtBot, env: Env) -> None:  # noqa: F811
    message = env.tab.empty.message
    qtbot.waitUntil(message.isVisible, timeout=WAIT)
    assert message.title.text() == NO_RUNS
    assert not message.button.isVisible()  # nothing to clear
    assert _centred_in_view(message)
    assert env.tab.count_label.text() == "0 runs"


def test_a_filter_matching_nothing_says_so_and_empties_the_details(
    qtbot: QtBot,
    env: Env,  # noqa: F811
) -> None:
    tab = env.tab
    rec = env.run(env.task("greeter", "print('hello from greeter')"))
    wait_final(qtbot, env, rec.uid)
    tab.select_row(wait_row(qtbot, tab, rec.uid))
    qtbot.waitUntil(lambda: "hello from greeter" in tab.log_view.text(), timeout=WAIT)
    assert not tab.empty.message.isVisible()

    qtbot.keyClicks(tab.filters.error_edit, "zzznothing")
    message = tab.empty.message
    qtbot.waitUntil(message.isVisible, timeout=WAIT)
    assert message.title.text() == NO_MATCH
    assert message.button.isVisible() and message.button.text() == "Clear filters"
    assert _centred_in_view(message)
    # the run that left the list is no longer shown below it
    qtbot.waitUntil(lambda: tab.details.placeholder.isVisible(), timeout=WAIT)
    assert tab.details.record is None
    assert "hello from greeter" not in tab.log_view.text()
    assert tab.count_label.text() == "0 runs"

    qtbot.mouseClick(message.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=WAIT)
    assert tab.filters.error_edit.text() == ""
    assert not message.isVisible()


def test_a_filter_still_listing_the_run_keeps_it_shown(qtbot: QtBot, env: Env) -> None:  # noqa: F811
    tab = env.tab
    rec = env.run(env.task("keeper", "print('still here')"))
    wait_final(qtbot, env, rec.uid)
    tab.select_row(wait_row(qtbot, tab, rec.uid))
    qtbot.waitUntil(lambda: "still here" in tab.log_view.text(), timeout=WAIT)
    with qtbot.waitSignal(tab.model.refreshed, timeout=WAIT):
        tab.filters.exit_edit.setText("0")  # the run exited 0: still listed
    qtbot.waitUntil(lambda: tab.table.currentIndex().isValid(), timeout=WAIT)
    assert tab.details.record is not None and tab.details.record.uid == rec.uid
    assert "still here" in tab.log_view.text()
    assert not tab.empty.message.isVisible()


def test_a_tasks_search_matching_nothing_says_so(qtbot: QtBot, ctx: AppContext) -> None:  # noqa: F811
    add_task(ctx.store, TaskSpec(name="nightly-backup", command="true"))
    with shown_window(qtbot, ctx) as window:
        window.tabs.setCurrentIndex(TAB_TASKS)
        tab = window.tasks_tab
        qtbot.waitUntil(lambda: tab.proxy.rowCount() == 1, timeout=WAIT)
        assert not tab.no_match.isVisible()
        qtbot.keyClicks(tab.search, "nomatchxyz")
        qtbot.waitUntil(tab.no_match.isVisible, timeout=WAIT)
        assert tab.no_match.title.text() == "No tasks match “nomatchxyz”"
        assert _centred_in_view(tab.no_match)
        assert tab.no_match.button.text() == "Clear search"
        qtbot.mouseClick(tab.no_match.button, Qt.MouseButton.LeftButton, pos=QPoint(4, 4))
        assert tab.search.text() == ""
        assert not tab.no_match.isVisible()
        assert tab.proxy.rowCount() == 1
