"""The Trends tab by node: no node filter while the history has one node; with two, the
filter beside the range charts one node's runs (its run count, statistics and heat map)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from taskrun_gui.storage.schema import Run
from taskrun_gui.ui.trends.trends_tab import TrendsTab
from tests.helpers import app_context
from tests.unit.test_node_trends import _history

WAIT = 15_000
pytestmark = [
    pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"),
    pytest.mark.filterwarnings("ignore:All-NaN slice encountered:RuntimeWarning"),
]


def _tab(qtbot: QtBot, ctx) -> TrendsTab:  # type: ignore[no-untyped-def]
    widget = TrendsTab(ctx)
    qtbot.addWidget(widget)
    widget.resize(1024, 700)
    with qtbot.waitSignal(widget.data_loaded, timeout=WAIT):
        widget.show()
    return widget


def test_the_node_filter_charts_one_nodes_runs(qtbot: QtBot, tmp_path: Path) -> None:
    with app_context(tmp_path, schedules=False) as ctx:
        _history(ctx.store)  # alpha: 4 runs of two tasks, beta: 1
        tab = _tab(qtbot, ctx)
        combo = tab.node_combo
        qtbot.waitUntil(combo.isVisible, timeout=WAIT)
        assert [combo.itemText(i) for i in range(combo.count())] == [
            "All nodes",
            "alpha",
            "beta",
        ]
        assert tab.status_label.text() == "5 runs"
        with qtbot.waitSignal(tab.data_loaded, timeout=WAIT):
            combo.setCurrentIndex(combo.findData("alpha"))
        assert tab.scope().node == "alpha"
        assert tab.status_label.text() == "4 runs"
        assert tab.data is not None and (tab.data.stats.total, tab.data.stats.failed) == (4, 1)
        assert tab.heatmap.heat.task_names == ["ok", "other"]
        with qtbot.waitSignal(tab.data_loaded, timeout=WAIT):
            combo.setCurrentIndex(combo.findData("beta"))
        assert tab.status_label.text() == "1 run"
        assert tab.heatmap.heat.task_names == ["ok"]
        tab.close()


def test_one_node_shows_no_filter(qtbot: QtBot, tmp_path: Path) -> None:
    with app_context(tmp_path, schedules=False) as ctx:
        _history(ctx.store)
        Run.update(node="alpha").execute()
        tab = _tab(qtbot, ctx)
        qtbot.waitUntil(lambda: tab.node_combo.count() == 2, timeout=WAIT)
        assert not tab.node_combo.isVisible()
        assert tab.status_label.text() == "5 runs"
        tab.close()
