"""The Trends tab on a real store: the charts hold the store's numbers, a click on a run point
asks for that run, the statistics panel and the what-changed dialog show what they should."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from taskrun_gui.executor.host import Host
from taskrun_gui.storage import runs_repo, trends_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.stats_repo import Scope
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.query import QueryRunner
from taskrun_gui.ui.trends.trends_tab import TrendsTab
from tests.unit.test_trends_repo import History, day_ms

WAIT = 15_000
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@dataclass
class Env:
    tab: TrendsTab
    hist: History
    ctx: AppContext
    etl: int
    slow_run: int
    last_run: int
    other: int  # a task of one run


@pytest.fixture
def env(qtbot: QtBot, tmp_path: Path) -> Iterator[Env]:
    store = Store(tmp_path / "data").open()
    host = Host(store, workers=1)
    query = QueryRunner(store, host.writer)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    ctx = AppContext(store, host.writer, host.executor, query, settings)
    hist = History(store)
    etl = hist.task("etl", "echo one\n")
    slow_run = 0
    for i in range(20):
        hist.run(etl, "success", 10_000 + 10 * i, day_ms(6, 1, i))
        if i == 12:
            slow_run = hist.run(etl, "success", 40_000, day_ms(6, 1, i) + 20_000)
    hist.run(etl, "failed", 3_000, day_ms(5, 9))
    hist.new_version(etl, "echo two\n", day_ms(4, 0))
    for i in range(20):
        last = hist.run(etl, "failed" if i < 4 else "success", 25_000 + 10 * i, day_ms(4, 1, i))
    other = hist.task("other")
    hist.run(other, "success", 500, day_ms(2))
    tab = TrendsTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1400, 850)
    with qtbot.waitSignal(tab.data_loaded, timeout=WAIT):
        tab.show()
    yield Env(tab, hist, ctx, etl, slow_run, last, other)
    tab.close()
    host.close()
    query.wait_idle()
    store.close()


def show_task(qtbot: QtBot, env: Env, task_id: int | None) -> None:
    with qtbot.waitSignal(env.tab.data_loaded, timeout=WAIT):
        env.tab.set_task(task_id)


def test_success_chart_holds_the_daily_rates_and_counts(qtbot: QtBot, env: Env) -> None:
    show_task(qtbot, env, env.etl)
    x, rates = env.tab.success_chart.rates()  # type: ignore[union-attr]
    assert list(rates) == pytest.approx([100.0, 0.0, 80.0])  # 6, 5 and 4 days ago
    assert env.tab.success_chart.counts() == [21.0, 1.0, 20.0]  # type: ignore[union-attr]
    assert "20 runs · 80% success" in env.tab.success_chart.text_at(float(x[2]))  # type: ignore[union-attr]
    assert env.tab.success_chart.item.getAxis("bottom").__class__.__name__ == "DateAxisItem"  # type: ignore[union-attr]


def test_duration_chart_points_bands_and_marks(qtbot: QtBot, env: Env) -> None:
    show_task(qtbot, env, env.etl)
    chart = env.tab.duration_chart
    assert chart is not None
    series = trends_repo.durations(Scope(env.etl, 30))
    ok = [
        d / 1000 for d, s in zip(series.duration_ms, series.statuses, strict=True) if s == "success"
    ]
    assert list(chart.points["success"].getOriginalDataset()[1]) == pytest.approx(ok)
    assert len(chart.points["failed"].getOriginalDataset()[1]) == 5
    slow_x, slow_y = chart.slow_points.getOriginalDataset()
    assert 40.0 in list(slow_y)  # and the first runs of v2, slow against v1's runs
    assert env.slow_run in env.tab.data.slow  # type: ignore[union-attr]
    assert chart.median.getOriginalDataset()[1][-1] == pytest.approx(
        np.median(np.array(series.duration_ms[-20:]) / 1000)
    )
    assert [text for _x, text in chart.version_marks.visible_marks()] == ["v2"]
    (shift,) = chart.shift_marks.visible_marks()
    assert "(v1 → v2)" in shift[1] and "slower" in shift[1]
    assert chart.text_at(float(slow_x[0]), 40.0).startswith(
        f"Run #{env.slow_run} · success · 40.0 s"
    )
    insights = env.tab.stats_panel
    assert f"{len(env.tab.data.slow)} slow runs" in insights.slow_label.text()  # type: ignore[union-attr]
    assert "v1 → v2" in insights.shifts_label.text()


def test_runs_close_together_are_drawn_in_a_wide_view(qtbot: QtBot, env: Env) -> None:
    """Three runs within a second, shown over a day: pyqtgraph's auto-downsampling computed a
    step larger than the number of points and drew none of them."""
    burst = env.hist.task("burst")
    for i in range(3):
        env.hist.run(burst, "success", 200 + i, day_ms(1, 13, 21) + 500 * i)
    with qtbot.waitSignal(env.tab.data_loaded, timeout=WAIT):
        env.tab.set_task(burst)  # not in the task list yet: shown once it has loaded
        env.tab.refresh()
    if env.tab.data.scope.task_id != burst:  # type: ignore[union-attr]
        show_task(qtbot, env, burst)
    chart = env.tab.duration_chart
    assert chart is not None
    _x, y = chart.points["success"].getData()  # what is drawn, after clipping and thinning
    assert list(y) == pytest.approx([0.2, 0.201, 0.202])


def test_clicking_a_run_point_asks_to_open_that_run(qtbot: QtBot, env: Env) -> None:
    show_task(qtbot, env, env.etl)
    chart = env.tab.duration_chart
    assert chart is not None
    x, y = chart.point_of(env.last_run)
    scatter = chart.points["success"].scatter
    here = QPointF(x, y)

    def spots() -> list[object]:  # the spot under the click, once the view shows it
        return [s for s in scatter.pointsAt(here) if s.pos() == here]

    qtbot.waitUntil(lambda: len(spots()) == 1, timeout=WAIT)
    with qtbot.waitSignal(env.tab.open_run_requested, timeout=WAIT) as blocker:
        scatter.sigClicked.emit(scatter, spots(), None)
    assert blocker.args == [env.last_run]


def test_a_task_too_short_for_a_band_shows_none(qtbot: QtBot, env: Env) -> None:
    """The band of the task shown before does not stay behind when the next task has too
    few runs for one (its outline is empty; the fill between used to keep its old shape)."""
    show_task(qtbot, env, env.etl)
    chart = env.tab.duration_chart
    assert chart is not None and chart.band.isVisible()
    assert not chart.band.path().isEmpty()
    show_task(qtbot, env, env.other)
    assert len(chart.median.getOriginalDataset()[0] or []) == 0
    assert not chart.band.isVisible() or chart.band.path().isEmpty()


def test_stats_panel_shows_the_scope_numbers(qtbot: QtBot, env: Env) -> None:
    show_task(qtbot, env, env.etl)
    panel = env.tab.stats_panel
    assert panel.text("total") == "42"
    assert panel.text("success") == "37" and panel.text("failed") == "5"
    assert panel.text("success_rate") == "88.1 %"
    assert panel.text("max_s") == "40.0 s" and panel.text("min_s") == "3.00 s"
    show_task(qtbot, env, None)
    assert panel.text("total") == "43"
    assert "choose a task" in panel.shifts_label.text()


def test_what_changed_dialog_shows_the_diff(qtbot: QtBot, env: Env) -> None:
    show_task(qtbot, env, env.etl)
    env.tab.what_changed_button.click()
    qtbot.waitUntil(lambda: env.tab.what_changed_dialog is not None, timeout=WAIT)
    dialog = env.tab.what_changed_dialog
    diff = dialog.diff_view.diff()  # type: ignore[union-attr]
    assert "-echo one" in diff and "+echo two" in diff
    assert "v1 to v2" in dialog.message_label.text()  # type: ignore[union-attr]
    dialog.close()  # type: ignore[union-attr]


def test_heatmap_hover_and_refresh_after_a_finished_run(qtbot: QtBot, env: Env) -> None:
    heat = env.tab.heatmap
    row = heat.heat.task_names.index("etl")
    col = len(heat.heat.days) - 5  # four days ago
    assert heat.text_for(row, col).endswith("80% success · 20 runs")
    assert heat.cell_at(heat.cell_center(row, col)) == (row, col)
    assert heat.cell_at(QPoint(1, 1)) is None
    run_id = env.hist.run(env.etl, "success", 1000, day_ms(0, 0, 1))
    with qtbot.waitSignal(env.tab.data_loaded, timeout=WAIT):
        # as a window following a daemon learns of it: a finished run read from the store
        env.ctx.executor.run_finished.emit(runs_repo.get(run_id))
    assert heat.heat.counts[row][-1] == 1


def test_the_tab_module_does_not_import_pyqtgraph() -> None:
    code = "import sys, taskrun_gui.ui.trends.trends_tab; sys.exit('pyqtgraph' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_hovering_a_run_point_does_not_widen_the_window(qtbot: QtBot, env: Env) -> None:
    """The hover text went into the legend row and raised the tab's minimum width for good
    (1024 -> 1396 px): now it is elided there, whole in a tooltip."""
    show_task(qtbot, env, env.etl)
    chart = env.tab.duration_chart
    assert chart is not None
    env.tab.resize(1024, 700)
    qtbot.waitUntil(lambda: env.tab.width() == 1024, timeout=WAIT)
    before = env.tab.minimumSizeHint().width()
    x, y = chart.point_of(env.last_run)
    view = chart.item.getViewBox()
    chart._on_scene_mouse_moved(view.mapViewToScene(QPointF(x, y)))
    assert chart.hover_label.text().startswith(f"Run #{env.last_run} · success")
    chart.hover_label.setText("a very long hover text " * 40)
    env.tab.success_chart.hover_label.setText("another long day text " * 40)  # type: ignore[union-attr]
    QApplication.processEvents()  # the layouts take in the new size hints
    assert env.tab.minimumSizeHint().width() == before < 1024
    assert chart.hover_label.elided_text().endswith("…")
    assert chart.hover_label.toolTip().startswith("a very long hover text")
