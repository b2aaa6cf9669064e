"""The main window's frame as it shows before its store is open: the tabs (pages built when
first shown), the status bar's labels, and the size, layout and tab it had last time (saved
again when it closes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from taskrun_gui.ui import settings_keys as cfg
from taskrun_gui.ui.lazy_page import LazyPage

if TYPE_CHECKING:
    from taskrun_gui.ui.main_window import MainWindow

HEALTH_STYLE = "color: white; background: #B91C1C; padding: 2px 8px; font-weight: bold;"
OPENING = "Opening the history…"
DEFAULT_SIZE = (1280, 820)
TAB_TASKS, TAB_EDITOR, TAB_LOGS, TAB_TRENDS, TAB_MONITOR = range(5)
TITLES = ("Tasks", "Editor", "Logs / History", "Trends", "Monitor")


def build_tabs(window: MainWindow, factories: list[Callable[[], QWidget]]) -> list[LazyPage]:
    """The tab widget with a page a tab, each built by its factory when first shown."""
    pages = [LazyPage(factory) for factory in factories]
    window.tabs = QTabWidget()
    window.tabs.setDocumentMode(True)
    for page, title in zip(pages, TITLES, strict=True):
        window.tabs.addTab(page, title)
    window.central = QWidget()  # the notification banner floats over it
    layout = QVBoxLayout(window.central)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(window.tabs, 1)
    window.setCentralWidget(window.central)
    return pages


def build_status_bar(window: MainWindow, host_note: str | None) -> None:
    """Counts, the store's health, which host serves the data dir (the notifications
    button comes with the store: window_parts.py)."""
    window.counts_label = QLabel()
    window.counts_label.setObjectName("countsLabel")
    window.health_label = QLabel()
    window.health_label.setObjectName("healthLabel")
    window.health_label.setStyleSheet(HEALTH_STYLE)
    window.health_label.hide()
    window.host_label = QLabel(host_note or "")
    window.host_label.setVisible(bool(host_note))
    window.statusBar().addWidget(window.counts_label)
    window.statusBar().addWidget(window.health_label)
    window.statusBar().addPermanentWidget(window.host_label)


def restore_frame(window: MainWindow, s: QSettings | None) -> None:
    """The size, layout and tab, before the window shows (no jump once the store is open;
    the Editor is never where a start lands)."""
    geometry = None if s is None else s.value("window/geometry")
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        window.restoreGeometry(geometry)
    else:
        window.resize(*DEFAULT_SIZE)
    state = None if s is None else s.value("window/state")
    if isinstance(state, QByteArray):
        window.restoreState(state)
    tab = TAB_TASKS if s is None else cfg.setting_int(s, "window/tab", TAB_TASKS)
    if tab != TAB_EDITOR and 0 <= tab < window.tabs.count():
        window.tabs.setCurrentIndex(tab)


def save_state(window: MainWindow, s: QSettings) -> None:
    s.setValue("window/geometry", window.saveGeometry())
    s.setValue("window/state", window.saveState())
    s.setValue("window/tab", window.tabs.currentIndex())
    if window.is_attached:  # else the table's columns were not shown: kept as they were
        window.tasks_tab.save_state(s)
    s.sync()
