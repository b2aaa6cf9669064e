"""A multi-step run in the Logs tab: its steps are in view without scrolling, and a selected
step is named above its output (not "9 B earlier output not shown")."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QScrollArea
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import Step, TaskSpec
from taskrun_gui.engine.log_search import LogHit, Pattern, search_logs
from taskrun_gui.storage import tasks_repo
from taskrun_gui.storage.runs_repo import RunFilter
from taskrun_gui.storage.tasks_repo import TaskRow
from tests.gui.test_history_tab import WAIT, Env, env, status_of, wait_row  # noqa: F401
from tests.gui.test_widgets_log_view import note


def test_steps_are_in_view_and_a_step_says_which_it_is(qtbot: QtBot, env: Env) -> None:  # noqa: F811
    spec = TaskSpec(
        name="pipeline",
        steps=[
            Step(name="fetch", command="echo fetching; echo fetched"),
            Step(name="build", command="echo building; exit 2"),
        ],
    )
    task: TaskRow = env.host.writer.submit(lambda: tasks_repo.create(spec)).result(10)
    rec = env.run(task)
    qtbot.waitUntil(lambda: status_of(env.tab, rec.uid) == "failed", timeout=WAIT)
    env.tab.resize(1024, 620)
    env.tab.select_row(wait_row(qtbot, env.tab, rec.uid))
    table = env.tab.details.steps_table
    qtbot.waitUntil(lambda: table.rowCount() == 2 and table.isVisible(), timeout=WAIT)
    scroll = env.tab.findChild(QScrollArea)
    assert scroll is not None
    bottom = table.mapTo(scroll.viewport(), QPoint(0, table.height()))
    assert bottom.y() <= scroll.viewport().height()  # below the fold no more

    view = env.tab.log_view
    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        table.selectRow(1)
    assert view.text().strip() == "building"
    assert "step “build”" in note(view).text()
    assert "earlier output not shown" not in note(view).text()
    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        note(view).linkActivated.emit("whole-log")
    assert not table.selectedItems()
    assert view.text().split() == ["fetching", "fetched", "building"]


def test_a_search_hit_opens_over_a_chosen_step(qtbot: QtBot, env: Env) -> None:  # noqa: F811
    spec = TaskSpec(
        name="two", steps=[Step(name="a", command="echo a"), Step(name="b", command="echo b")]
    )
    task: TaskRow = env.host.writer.submit(lambda: tasks_repo.create(spec)).result(10)
    other = env.run(env.task("other", "print('before'); print('needle here')"))
    rec = env.run(task)
    for r in (rec, other):
        qtbot.waitUntil(lambda r=r: status_of(env.tab, r.uid) == "success", timeout=WAIT)
    env.tab.select_row(wait_row(qtbot, env.tab, rec.uid))
    steps = env.tab.details.steps_table
    qtbot.waitUntil(lambda: steps.rowCount() == 2, timeout=WAIT)
    view = env.tab.log_view
    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        steps.selectRow(1)
    hits: list[LogHit] = []
    search_logs(RunFilter(), Pattern("needle"), hits.append)
    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        env.tab.open_hit(hits[0])
    assert view.text() == "needle here\n"
    qtbot.waitUntil(lambda: env.tab.details.steps_table.rowCount() == 0, timeout=WAIT)
    assert view.text() == "needle here\n"  # no reload of the whole log came after
    assert note(view).isVisible() and "from the match on" in note(view).text()
