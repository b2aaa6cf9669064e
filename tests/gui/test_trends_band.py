"""The duration chart's shaded median-p95 band follows the time range shown."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from taskrun_gui.ui.trends.trends_tab import RANGES, TrendsTab
from tests.helpers import app_context
from tests.unit.test_trends_repo import History, day_ms

WAIT = 15_000
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_the_band_is_filled_over_a_longer_range_chosen_after_a_shorter_one(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with app_context(tmp_path, schedules=False) as ctx:
        hist = History(ctx.store)
        task = hist.task("nightly")
        for days_ago in range(59, -1, -1):  # the band starts at the 20th run, 40 days ago
            hist.run(task, "success", 1000 + 10 * days_ago, day_ms(days_ago))
        tab = TrendsTab(ctx)
        qtbot.addWidget(tab)
        tab.resize(900, 560)
        with qtbot.waitSignal(tab.data_loaded, timeout=WAIT):
            tab.show()  # the last 30 days: the band's curves are clipped to them
        with qtbot.waitSignal(tab.data_loaded, timeout=WAIT):
            tab.set_task(task)
        chart = tab.duration_chart
        assert chart is not None
        ninety = [days for _text, days in RANGES].index(90)
        with qtbot.waitSignal(tab.data_loaded, timeout=WAIT):
            tab.range_combo.setCurrentIndex(ninety)
        band_x = chart.median.getData()[0]
        assert band_x is not None and band_x[0] < time.time() - 39 * 86400
        fill = chart.band.path().boundingRect()
        assert fill.left() <= band_x[0] + 1  # was 30 days ago: the fill of the old range
        assert fill.right() >= band_x[-1] - 1
        tab.close()


@contextmanager
def _three_days(qtbot: QtBot, tmp_path: Path) -> Iterator[TrendsTab]:
    """The Trends tab shown over a task with a run on each of the last three days."""
    with app_context(tmp_path, schedules=False) as ctx:
        hist = History(ctx.store)
        task = hist.task("daily")
        for days_ago in range(3):
            hist.run(task, "success", 1000, day_ms(days_ago))
        tab = TrendsTab(ctx)
        qtbot.addWidget(tab)
        with qtbot.waitSignal(tab.data_loaded, timeout=WAIT):
            tab.show()
        yield tab
        tab.close()


def test_the_legend_says_when_the_band_is_of_sampled_runs(qtbot: QtBot, tmp_path: Path) -> None:
    with _three_days(qtbot, tmp_path) as tab:
        chart, data = tab.duration_chart, tab.data
        assert chart is not None and data is not None
        assert "p95 of 20 runs" in chart.legend_label.text()
        data.series.sampled = True  # as durations() reads a long history
        chart.set_data(data)
        assert "p95 of 20 sampled runs" in chart.legend_label.text()
        data.series.sampled = False
        chart.set_data(data)
        assert "p95 of 20 runs" in chart.legend_label.text()


def test_mark_labels_take_the_themes_background(qtbot: QtBot, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from taskrun_gui.ui.theme import apply_theme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.palette()
    with _three_days(qtbot, tmp_path) as tab:
        chart = tab.duration_chart
        assert chart is not None
        chart.shift_marks.set_marks([(time.time(), "2.0x slower (v1)")])
        label = chart.shift_marks.lines[0].label
        try:
            apply_theme(app, "dark")
            qtbot.waitUntil(lambda: label.fill.color().lightness() < 100, timeout=WAIT)
            apply_theme(app, "light")
            qtbot.waitUntil(lambda: label.fill.color().lightness() > 200, timeout=WAIT)
        finally:
            app.setPalette(before)
