"""The Logs tab by node: no Node column or node filter while the history has one node; once
runs of a second node are known (read at start, or announced by a run this window starts)
the Node column says where each ran and the filter keeps one node's runs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from taskrun_gui.core.nodes import node_name
from taskrun_gui.storage import tasks_repo
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.history.history_columns import Col
from taskrun_gui.ui.history.history_tab import HistoryTab
from tests.e2e.cli import taskrun
from tests.helpers import app_context

WAIT = 30_000


def _ran_on(data: Path, *nodes: str) -> None:
    """One run of task t per node, each executed by a `taskrun --node NODE run` host."""
    assert taskrun(data, "task", "add", "t", "--command", "echo hi").returncode == 0
    for node in nodes:
        ran = taskrun(data, "--node", node, "run", "t", "--wait")
        assert ran.returncode == 0, ran.stderr


def _tab(qtbot, ctx: AppContext, rows: int) -> HistoryTab:
    tab = HistoryTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1400, 800)
    tab.show()
    qtbot.waitUntil(lambda: tab.model.rowCount() == rows, timeout=WAIT)
    return tab


def _nodes_shown(tab: HistoryTab) -> list[str]:
    model = tab.model
    return [model.index(r, Col.NODE).data() for r in range(model.rowCount())]


def test_two_nodes_show_the_column_and_the_filter_keeps_one(qtbot, tmp_path: Path) -> None:
    _ran_on(tmp_path / "data", "alpha", "beta", "alpha")
    with app_context(tmp_path, workers=2, schedules=False) as ctx:
        tab = _tab(qtbot, ctx, 3)
        combo = tab.filters.node_filter
        qtbot.waitUntil(
            lambda: combo.isVisible() and not tab.table.isColumnHidden(Col.NODE), timeout=WAIT
        )
        assert [combo.itemText(i) for i in range(combo.count())] == [
            "All nodes",
            "alpha",
            "beta",
        ]
        assert _nodes_shown(tab) == ["alpha", "beta", "alpha"]
        assert tab.model.headerData(Col.NODE, Qt.Orientation.Horizontal) == "Node"
        combo.setCurrentIndex(combo.findData("beta"))
        qtbot.waitUntil(lambda: _nodes_shown(tab) == ["beta"], timeout=WAIT)
        assert tab.filters.run_filter().node == "beta"
        tab.filters.clear()
        qtbot.waitUntil(lambda: tab.model.rowCount() == 3, timeout=WAIT)
        assert combo.name() is None


def test_one_node_hides_them_until_a_run_of_another_arrives(qtbot, tmp_path: Path) -> None:
    other = "elsewhere" if node_name() != "elsewhere" else "elsewhere-2"
    _ran_on(tmp_path / "data", other)
    with app_context(tmp_path, workers=2, schedules=False) as ctx:
        tab = _tab(qtbot, ctx, 1)
        combo = tab.filters.node_filter
        with qtbot.waitSignal(tab.filters.tasks_loaded, timeout=WAIT):
            tab.filters.reload_tasks()
        qtbot.waitUntil(lambda: combo.count() == 2, timeout=WAIT)  # All nodes + the one
        assert not combo.isVisible() and tab.table.isColumnHidden(Col.NODE)
        done: list[object] = []
        ctx.executor.run_finished.connect(done.append)
        task = tasks_repo.get("t")
        ctx.executor.enqueue(task.id, task.version, task.spec)  # on this node
        qtbot.waitUntil(lambda: bool(done), timeout=WAIT)
        qtbot.waitUntil(
            lambda: combo.isVisible() and not tab.table.isColumnHidden(Col.NODE), timeout=WAIT
        )
        qtbot.waitUntil(lambda: _nodes_shown(tab) == [node_name(), other], timeout=WAIT)
