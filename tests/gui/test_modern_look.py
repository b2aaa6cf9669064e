"""The modern look, as a user sees it: statuses are coloured chips with an icon (Tasks, History
and a run's steps share one delegate), each task shows a strip of its last runs, the icons are
one set tinted from the theme, the selection is soft, and Run stands out as the primary action."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QIcon, QImage, QPalette, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QTableView, QWidget
from pytestqt.qtbot import QtBot

from taskrun_gui.ui.icons import PATHS, icon
from taskrun_gui.ui.tasks.task_table_model import COL_NAME, COL_STATUS
from taskrun_gui.ui.tasks.tasks_tab import TasksTab
from taskrun_gui.ui.theme import accent, apply_theme, build_palette, status_color
from taskrun_gui.ui.widgets.status_delegate import (
    RECENT_RUNS_ROLE,
    StatusChipDelegate,
    status_key,
)
from taskrun_gui.ui.widgets.style import blend
from tests.helpers import app_context
from tests.unit.test_trends_repo import History, day_ms

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _colours(image: QImage) -> set[str]:
    return {
        image.pixelColor(x, y).name() for x in range(image.width()) for y in range(image.height())
    }


@pytest.fixture
def light() -> Iterator[None]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.palette()
    apply_theme(app, "light")
    yield
    app.setPalette(before)


def test_a_status_cell_is_a_chip_with_an_icon_and_a_strip(qtbot: QtBot, light: None) -> None:
    model = QStandardItemModel(1, 2)
    model.setItem(0, 0, QStandardItem("failed"))
    strip = QStandardItem("never run")
    strip.setData(("success", "success", "timeout"), RECENT_RUNS_ROLE)
    model.setItem(0, 1, strip)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setItemDelegate(StatusChipDelegate(view))
    view.setColumnWidth(0, 140)
    view.setColumnWidth(1, 200)
    view.resize(420, 120)
    view.show()
    qtbot.waitExposed(view)
    palette = view.palette()
    base = palette.color(QPalette.ColorRole.Base)
    red = status_color("failed", dark=False)
    chip = view.viewport().grab(view.visualRect(model.index(0, 0))).toImage()
    colours = _colours(chip)
    assert blend(base, red, 0.14).name() in colours  # the chip's fill
    assert red.name() in colours  # its icon and text
    cell = view.viewport().grab(view.visualRect(model.index(0, 1))).toImage()
    bars = _colours(cell)
    assert status_color("success", dark=False).name() in bars
    assert status_color("timeout", dark=False).name() in bars
    assert status_key("running 12 s") == "running" and status_key("never run") is None


def test_tasks_table_shows_chips_and_last_runs(qtbot: QtBot, tmp_path: Path) -> None:
    with app_context(tmp_path, schedules=False) as ctx:
        hist = History(ctx.store)
        etl = hist.task("etl")
        for i, status in enumerate(("success", "failed", "success", "timeout")):
            hist.run(etl, status, 1000, day_ms(1, 1, i))
        host = QWidget()
        qtbot.addWidget(host)
        tab = TasksTab(ctx, parent=host)
        host.resize(1100, 500)
        tab.resize(1100, 500)
        host.show()
        with qtbot.waitSignal(tab.tasks_loaded, timeout=10_000):
            tab.model.reload_now()
        row = next(
            r for r in range(tab.model.rowCount()) if tab.model.index(r, COL_NAME).data() == "etl"
        )
        index = tab.model.index(row, COL_STATUS)
        assert index.data() == "timeout"
        assert index.data(RECENT_RUNS_ROLE) == ("success", "failed", "success", "timeout")
        assert isinstance(tab.table.itemDelegateForColumn(COL_STATUS), StatusChipDelegate)
        height = tab.table.verticalHeader().defaultSectionSize()
        assert height >= tab.table.fontMetrics().height() + 14  # comfortable rows
        run_button = tab.findChild(QWidget, "primaryAction")
        assert run_button is not None and run_button.isVisible()
        dark = False
        active = QPalette.ColorGroup.Active
        assert run_button.palette().color(active, QPalette.ColorRole.ButtonText) == accent(dark)
        disabled = run_button.palette().color(
            QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText
        )
        assert disabled != accent(dark)  # a disabled Run still looks disabled
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        try:
            apply_theme(app, "dark")  # the Run button follows a theme switch
            text = run_button.palette().color(active, QPalette.ColorRole.ButtonText)
            assert text == accent(True)
        finally:
            apply_theme(app, "light")
        ctx.query.wait_idle()


def test_one_icon_set_tinted_by_the_theme(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.palette()
    try:
        seen = {}
        for mode in ("light", "dark"):
            apply_theme(app, mode)
            text = app.palette().color(QPalette.ColorRole.ButtonText).name()
            for name in PATHS:
                image = icon(name).pixmap(24, 24).toImage()
                assert not image.isNull(), name
                assert text in _colours(image), (mode, name)  # drawn in the theme's colour
            seen[mode] = icon("play").pixmap(24, 24).toImage()
            disabled = icon("play").pixmap(24, 24, QIcon.Mode.Disabled).toImage()
            assert text not in _colours(disabled)
        assert seen["light"] != seen["dark"]
    finally:
        app.setPalette(before)


def test_the_selection_is_soft() -> None:
    light = build_palette(dark=False).color(QPalette.ColorRole.Highlight)
    dark = build_palette(dark=True).color(QPalette.ColorRole.Highlight)
    assert light.lightness() > 200  # a pale tint, not saturated blue under dark text
    assert dark.lightness() < 110
    assert QColor(build_palette(False).color(QPalette.ColorRole.HighlightedText)).lightness() < 80
