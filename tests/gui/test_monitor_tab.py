"""The Monitor tab against real processes: it samples off the UI thread, shows the run's
processes, forwards Stop/Pause/Resume for the selected run, and samples only while visible
(its charts break where it did not sample)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QPointF, Qt
from PySide6.QtGui import QColor

from taskrun_gui.monitor.system import RunProcRow, SystemSnapshot
from taskrun_gui.ui.monitor.chart_axes import rate_step
from taskrun_gui.ui.monitor.monitor_tab import MonitorTab
from taskrun_gui.ui.monitor.process_table_model import (
    COL_COMMAND,
    COL_PID,
    COL_RSS,
    COL_RUNTIME,
    COL_TASK,
    RunProcessModel,
    runtime_text,
)
from taskrun_gui.ui.monitor.system_charts import SystemCharts

UID = "run-7f3a"

# The offscreen platform says this whenever a shown top-level window has a minimum size.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _row(pid: int, depth: int = 0, uid: str = UID, cpu: float = 1.5) -> RunProcRow:
    return RunProcRow(
        run_uid=uid,
        task_name="nightly-backup",
        pid=pid,
        ppid=1 if depth == 0 else pid - 1,
        depth=depth,
        cmdline=f"python worker.py --part {pid}",
        cpu_percent=cpu,
        rss=12_900_000,
        runtime_s=65.4,
        status="sleeping",
    )


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=5)


@pytest.fixture
def tab(qtbot, tmp_path: Path, sleeper: subprocess.Popen[bytes]) -> Iterator[MonitorTab]:
    widget = MonitorTab(str(tmp_path), lambda: [(UID, "nightly-backup", sleeper.pid)])
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    yield widget
    widget.shutdown()


def _pids_shown(tab: MonitorTab) -> list[str]:
    model = tab.table.model()
    return [model.index(r, COL_PID).data() for r in range(model.rowCount())]


def test_model_passes_the_model_tester(qtmodeltester) -> None:
    model = RunProcessModel()
    model.set_rows([_row(100), _row(101, depth=1), _row(200, uid="other")])
    qtmodeltester.check(model)
    model.set_rows([_row(100, cpu=50.0), _row(101, depth=1), _row(200, uid="other")])
    qtmodeltester.check(model)


def test_model_shows_human_values_and_groups_runs() -> None:
    model = RunProcessModel()
    model.set_rows([_row(100), _row(200, uid="other"), _row(101, depth=1), _row(102, depth=2)])
    assert [model.run_uid_at(r) for r in range(4)] == [UID, UID, UID, "other"]
    assert model.index(0, COL_TASK).data() == "nightly-backup"
    assert model.index(1, COL_TASK).data() == ""
    assert model.index(0, COL_RSS).data() == "12.3 MiB"
    assert model.index(0, COL_RUNTIME).data() == "1m 05s"
    assert model.index(0, COL_COMMAND).data() == "python worker.py --part 100"
    assert model.index(1, COL_COMMAND).data() == "└ python worker.py --part 101"
    assert model.index(2, COL_COMMAND).data().startswith("    └ ")
    assert (runtime_text(5.9), runtime_text(7380), runtime_text(3 * 86400 + 3600)) == (
        "5s",
        "2h 03m",
        "3d 01h",
    )


def test_same_processes_update_in_place_other_processes_reset(qtbot) -> None:
    model = RunProcessModel()
    model.set_rows([_row(100), _row(101, depth=1)])
    with qtbot.waitSignal(model.dataChanged), qtbot.assertNotEmitted(model.modelReset):
        model.set_rows([_row(100, cpu=99.0), _row(101, depth=1)])
    assert model.index(0, 3).data() == "99.0"
    with qtbot.waitSignal(model.modelReset):
        model.set_rows([_row(100)])
    assert model.rowCount(QModelIndex()) == 1


def test_shown_tab_lists_the_running_process(qtbot, tab, sleeper) -> None:
    tab.show()
    qtbot.waitUntil(lambda: str(sleeper.pid) in _pids_shown(tab), timeout=5000)
    assert tab.timer.isActive()
    assert tab.summary_label.text() == "1 run running · 1 process"
    assert tab.charts.cpu_label.text().startswith("CPU ")
    assert tab.charts.mem_label.text().startswith("Mem ")
    assert "used" in tab.charts.disk_usage_bar.text()


def test_stop_button_requests_stop_of_the_selected_run(qtbot, tab, sleeper) -> None:
    tab.show()
    qtbot.waitUntil(lambda: str(sleeper.pid) in _pids_shown(tab), timeout=5000)
    assert not tab.stop_button.isEnabled()
    tab.table.selectRow(_pids_shown(tab).index(str(sleeper.pid)))
    assert tab.stop_button.isEnabled()
    assert tab.pause_button.isEnabled()
    assert not tab.resume_button.isEnabled()
    with qtbot.waitSignal(tab.stop_requested) as blocker:
        qtbot.mouseClick(tab.stop_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [UID]
    with qtbot.waitSignal(tab.pause_requested) as blocker:
        qtbot.mouseClick(tab.pause_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [UID]


def test_selection_survives_a_sample(qtbot, tab, sleeper) -> None:
    tab.show()
    qtbot.waitUntil(lambda: str(sleeper.pid) in _pids_shown(tab), timeout=5000)
    tab.table.selectRow(0)
    with qtbot.waitSignal(tab._sampler.sampled):
        assert tab.sample_now()
    assert tab.selected_run_uid() == UID


def test_hiding_the_tab_stops_sampling(qtbot, tab) -> None:
    tab.show()
    qtbot.waitUntil(lambda: tab.charts.sample_count >= 1, timeout=5000)
    assert tab.timer.isActive()
    assert tab._sampler.is_running()
    tab.hide()
    assert not tab.timer.isActive()
    assert not tab._sampler.is_running()
    tab.show()
    assert tab.timer.isActive()


def test_charts_keep_the_samples(qtbot, tab) -> None:
    tab.show()
    qtbot.waitUntil(lambda: tab.charts.sample_count >= 1, timeout=5000)
    first = len(tab.charts.cpu_total_curve.getData()[0])
    with qtbot.waitSignal(tab._sampler.sampled):
        assert tab.sample_now()
    xs, ys = tab.charts.cpu_total_curve.getData()
    assert len(xs) == len(ys) == first + 1
    assert xs[-1] == 0.0 and xs[0] <= 0.0
    assert len(tab.charts.cpu_core_curves) >= 1
    assert len(tab.charts.cpu_core_curves[0].getData()[0]) == first + 1
    assert len(tab.charts.read_curve.getData()[0]) == first + 1


def test_deleting_a_visible_tab_stops_its_thread(qtbot, tmp_path: Path, sleeper) -> None:
    widget = MonitorTab(str(tmp_path), lambda: [(UID, "nightly-backup", sleeper.pid)])
    widget.show()
    qtbot.waitUntil(lambda: widget.charts.sample_count >= 1, timeout=5000)
    thread = widget._sampler._thread
    assert thread.isRunning()
    with qtbot.waitSignal(widget.destroyed):
        widget.deleteLater()


def _snapshot(write_bps: float) -> SystemSnapshot:
    return SystemSnapshot(
        timestamp=1_000.0,
        cpu_total_percent=12.0,
        cpu_per_core=[10.0, 14.0],
        mem_total=8 * 1024**3,
        mem_used=2 * 1024**3,
        mem_percent=25.0,
        swap_percent=0.0,
        disk_total=100 * 1024**3,
        disk_used=40 * 1024**3,
        disk_percent=40.0,
        disk_read_bps=0.0,
        disk_write_bps=write_bps,
        net_sent_bps=1536.0,
        net_recv_bps=3 * 1024**2,
    )


def test_charts_say_collecting_and_read_in_units(qtbot, tab) -> None:
    """The charts began empty without a word, the x axis was bare "-250" and a rate read
    "write 1.1e+02 kB/s"."""
    tab.show()
    qtbot.waitUntil(lambda: tab.charts.sample_count >= 1, timeout=5000)
    charts = tab.charts
    assert charts.collecting and "collecting" in charts.collecting_notes[0].toPlainText()
    charts.add_sample(_snapshot(112_640.0))
    assert "write 110 KiB/s" in charts.disk_io_label.text()
    assert "↓ 3.0 MiB/s" in charts.net_label.text() and "↑ 1.5 KiB/s" in charts.net_label.text()
    bottom = charts.cpu_plot.getPlotItem().getAxis("bottom")
    assert bottom.tickStrings([-300, -90, -60, 0], 1, 60) == ["5 min", "90 s", "1 min", "now"]
    rate_axis = charts.disk_io_plot.getPlotItem().getAxis("left")
    assert rate_axis.tickStrings([0, 2048, 5 * 1024**2], 1, 1) == ["0", "2.0 KiB/s", "5.0 MiB/s"]
    while charts.sample_count < 5:
        charts.add_sample(_snapshot(0.0))
    assert not charts.collecting
    assert rate_step(286 * 1024**2, 5) == 100 * 1024**2 and rate_step(90_000, 4) == 50 * 1024


def _colour_in_column(plot, x: float, colour: QColor) -> bool:
    """Whether any pixel of the plot's column at view time `x` has `colour`."""
    image = plot.grab().toImage()
    view = plot.getPlotItem().getViewBox()
    area = plot.mapFromScene(view.sceneBoundingRect()).boundingRect()
    column = plot.mapFromScene(view.mapViewToScene(QPointF(x, 0))).x()
    ratio = image.devicePixelRatio()
    return any(
        image.pixelColor(round(column * ratio), round(y * ratio)) == colour
        for y in range(area.top(), area.bottom())
    )


def test_a_curve_breaks_where_no_sample_was_taken(qtbot) -> None:
    """Hidden for four minutes (no sampling): no line is drawn across the gap; the samples
    either side of it are drawn."""
    charts = SystemCharts()
    qtbot.addWidget(charts)
    charts.resize(900, 600)
    charts.show()
    qtbot.waitExposed(charts)
    for t in [*range(1000, 1011), *range(1250, 1261)]:  # then the tab was shown again
        charts.add_sample(replace(_snapshot(0.0), timestamp=float(t), net_recv_bps=1024.0**2 * t))
    blue = QColor("#3B82F6")  # "received"
    assert _colour_in_column(charts.net_plot, -255.0, blue)  # before the gap
    assert _colour_in_column(charts.net_plot, -5.0, blue)  # after it
    assert not _colour_in_column(charts.net_plot, -130.0, blue)  # nothing in between
