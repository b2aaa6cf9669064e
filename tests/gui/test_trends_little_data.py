"""The Trends tab with little data still reads as a chart of the chosen range: one cancelled
run shows as one day of 30 (not a plot-filling bar under hour ticks), an empty duration chart
says so, the header has no developer figures, the axes keep their ticks, and the heat map's day
columns sit under the charts' plot area."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from taskrun_gui.ui.trends.trends_tab import TIME_PAD, TrendsTab
from tests.helpers import app_context
from tests.unit.test_trends_repo import History

WAIT = 15_000
pytestmark = [
    pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"),
    # pyqtgraph bounds an empty scatter with nanmin (the app shows the same with no runs)
    pytest.mark.filterwarnings("ignore:All-NaN slice encountered:RuntimeWarning"),
]


@pytest.fixture
def tab(qtbot: QtBot, tmp_path: Path) -> Iterator[TrendsTab]:
    with app_context(tmp_path, schedules=False) as ctx:
        hist = History(ctx.store)
        hello = hist.task("hello")
        hist.run(hello, "cancelled", 2_000, int(time.time() * 1000) - 60_000)
        widget = TrendsTab(ctx)
        qtbot.addWidget(widget)
        widget.resize(1024, 700)
        with qtbot.waitSignal(widget.data_loaded, timeout=WAIT):
            widget.show()
        yield widget
        widget.close()


def test_one_cancelled_run_shows_as_one_day_of_the_range(tab: TrendsTab) -> None:
    chart = tab.success_chart
    assert chart is not None
    (left, right), _y = chart.item.getViewBox().viewRange()
    assert right - left >= 29 * 86400  # the 30 days asked for, not the hours around one run
    assert chart.counts() == [1.0]
    assert tab.status_label.text() == "1 run"  # no "slowest query 4 ms"


def test_an_empty_duration_chart_says_there_is_no_data(tab: TrendsTab) -> None:
    chart = tab.duration_chart
    assert chart is not None
    assert chart.no_data.isVisible()
    assert "No finished runs" in chart.no_data.toPlainText()
    _x, (bottom, top) = chart.item.getViewBox().viewRange()
    assert (bottom, top) == (0, 1)


def test_axes_keep_room_and_ticks(tab: TrendsTab) -> None:
    assert tab.success_chart is not None and tab.duration_chart is not None
    _x, (bottom, top) = tab.success_chart.item.getViewBox().viewRange()
    assert bottom < 0 and top > 105  # 0 % and 100 % are off the frame, "100" has room
    axis = tab.duration_chart.item.getAxis("left")
    for low, high in ((0.3, 0.8), (0.0, 0.6), (40.0, 75.0), (100.0, 1000.0)):
        ((step, _offset),) = axis.tickSpacing(low, high, 300)
        assert 2 <= (high - low) / step <= 8, (low, high, step)


def test_heatmap_columns_line_up_with_the_charts(qtbot: QtBot, tab: TrendsTab) -> None:
    chart = tab.duration_chart
    assert chart is not None
    area = chart.plot.mapFromScene(chart.item.getViewBox().sceneBoundingRect()).boundingRect()
    plot_left = chart.plot.mapToGlobal(area.topLeft()).x()
    plot_right = chart.plot.mapToGlobal(area.topRight()).x()
    last_midnight = plot_left + (plot_right - plot_left) / (1 + TIME_PAD)  # then the padding
    heat = tab.heatmap

    def columns() -> tuple[int, int]:
        first = heat.mapToGlobal(heat.cell_center(0, 0)).x()
        last = heat.mapToGlobal(heat.cell_center(0, len(heat.heat.days) - 1)).x()
        return first, last

    day = (last_midnight - plot_left) / len(heat.heat.days)
    qtbot.waitUntil(lambda: abs(columns()[0] - (plot_left + day / 2)) <= 2, timeout=WAIT)
    assert abs(columns()[1] - (last_midnight - day / 2)) <= 2
