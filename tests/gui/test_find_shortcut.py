"""Ctrl+F searches what is in front: the Tasks search, the History filter, the log's find."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from taskrun_gui.ui.main_window import TAB_LOGS, MainWindow
from tests.gui.test_main_window import ctx, window  # noqa: F401


def ctrl_f(qtbot: QtBot, widget: QWidget) -> None:
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)
    qtbot.keyClick(widget, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)


def test_ctrl_f_goes_to_the_search_in_front(qtbot: QtBot, window: MainWindow) -> None:  # noqa: F811
    window.activateWindow()
    ctrl_f(qtbot, window.tasks_tab.table)
    assert QWidget.focusWidget(window) is window.tasks_tab.search

    window.tabs.setCurrentIndex(TAB_LOGS)
    history = window.history_tab
    ctrl_f(qtbot, history.table)
    assert window.focusWidget() is history.filters.error_edit

    ctrl_f(qtbot, history.log_view.text_edit())  # the log view's own Ctrl+F matches too
    log_find = history.log_view.search_bar().findChild(QLineEdit, "searchEdit")
    assert window.focusWidget() is log_find
