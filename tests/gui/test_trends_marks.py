"""The duration chart in a small window, with today's runs and two versions made minutes
apart: the newest run is drawn whole, clear of the plot's right edge, and the version labels
sit above the data, neither covering a point nor each other."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from taskrun_gui.ui.theme import is_dark, status_color
from taskrun_gui.ui.trends.duration_chart import VERSION_COLOR, DurationChart
from taskrun_gui.ui.trends.trends_tab import TrendsTab
from tests.helpers import app_context
from tests.unit.test_trends_repo import History, day_ms

WAIT = 15_000
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@dataclass
class Env:
    tab: TrendsTab
    chart: DurationChart
    runs: dict[int, str]  # run id -> status
    latest: int  # the run of 23:59 today


@pytest.fixture
def env(qtbot: QtBot, tmp_path: Path) -> Iterator[Env]:
    with app_context(tmp_path, schedules=False) as ctx:
        hist = History(ctx.store)
        flaky = hist.task("flaky")
        runs = {}
        for days_ago in (6, 4, 2):
            runs[hist.run(flaky, "success", 40 + days_ago, day_ms(days_ago))] = "success"
        now = int(time.time() * 1000)
        hist.new_version(flaky, "echo two", now - 10 * 60_000)
        hist.new_version(flaky, "echo three", now - 9 * 60_000)
        runs[hist.run(flaky, "failed", 210, now - 8 * 60_000)] = "failed"  # the longest
        latest = hist.run(flaky, "failed", 2, day_ms(0, 23, 59))
        runs[latest] = "failed"
        tab = TrendsTab(ctx)
        qtbot.addWidget(tab)
        tab.resize(860, 520)
        with qtbot.waitSignal(tab.data_loaded, timeout=WAIT):
            tab.show()
        with qtbot.waitSignal(tab.data_loaded, timeout=WAIT):
            tab.set_task(flaky)
        assert tab.duration_chart is not None
        yield Env(tab, tab.duration_chart, runs, latest)
        tab.close()


def _scene_point(chart: DurationChart, run_id: int) -> QPointF:
    x, y = chart.point_of(run_id)
    return chart.item.getViewBox().mapViewToScene(QPointF(x, y))


def _near(a: QColor, b: QColor) -> bool:
    return max(abs(a.red() - b.red()), abs(a.green() - b.green()), abs(a.blue() - b.blue())) <= 24


def test_the_newest_run_is_clear_of_the_right_edge(qtbot: QtBot, env: Env) -> None:
    view = env.chart.item.getViewBox()
    qtbot.waitUntil(lambda: view.sceneBoundingRect().width() > 200, timeout=WAIT)
    right = view.sceneBoundingRect().right()
    assert right - _scene_point(env.chart, env.latest).x() >= 8  # its 6 px dot whole


def test_version_labels_cover_no_point_and_no_other_label(qtbot: QtBot, env: Env) -> None:
    chart = env.chart
    assert [text for _x, text in chart.version_marks.visible_marks()] == ["v2", "v3"]
    image = chart.plot.grab().toImage()  # painted: the labels' places are final
    marks = chart.version_marks.lines
    labels = [m.label for m in marks if m.isVisible() and m.label.isVisible()]
    assert [label.format for label in labels] == ["v3"]  # the newest of two a minute apart
    rects = [label.sceneBoundingRect() for label in labels]
    for i, rect in enumerate(rects):
        assert not any(rect.intersects(other) for other in rects[i + 1 :])
    area = chart.item.getViewBox().sceneBoundingRect()
    assert all(area.contains(rect) for rect in rects)  # none cut at an edge
    dark = is_dark(chart.palette())
    ratio = image.devicePixelRatio()
    for run_id, status in env.runs.items():
        point = _scene_point(chart, run_id)
        dot = QRectF(point.x() - 3, point.y() - 3, 6, 6)
        assert not any(rect.intersects(dot) for rect in rects), run_id
        pixel = chart.plot.mapFromScene(point)
        colour = image.pixelColor(round(pixel.x() * ratio), round(pixel.y() * ratio))
        want = status_color(status, dark)  # or a version line's, passing through the dot
        line = QColor(VERSION_COLOR)
        assert _near(colour, want) or _near(colour, line), (run_id, colour.name(), want.name())
