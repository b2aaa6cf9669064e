"""The system-tray icon: show/hide the window, run a task, pause the queue, quit.

Safe to build where no tray exists: the icon is then never shown, and ``available`` is False
so callers (the Notifier, close-to-tray logic) fall back to the window.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from taskrun_gui.resources import app_icon


class TrayIcon(QObject):
    """Wraps QSystemTrayIcon; the composition root connects its signals to the engine."""

    run_requested = Signal(str)  # task name
    queue_paused_changed = Signal(bool)
    quit_requested = Signal()

    def __init__(
        self,
        window: QWidget | None = None,
        task_names: Callable[[], Iterable[str]] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._task_names = task_names or (lambda: ())

        self._menu = QMenu()
        self._menu.aboutToShow.connect(self._on_menu_about_to_show)
        self.toggle_window_action = QAction("Show window", self._menu)
        self.toggle_window_action.triggered.connect(self.toggle_window)
        self.toggle_window_action.setEnabled(window is not None)
        self._menu.addAction(self.toggle_window_action)
        self._menu.addSeparator()
        self.run_menu = QMenu("Run task", self._menu)
        self.run_menu.aboutToShow.connect(self.refresh_task_menu)
        self._menu.addMenu(self.run_menu)
        self.pause_action = QAction("Pause queue", self._menu)
        self.pause_action.setCheckable(True)
        self.pause_action.toggled.connect(self.queue_paused_changed)
        self._menu.addAction(self.pause_action)
        self._menu.addSeparator()
        self.quit_action = QAction("Quit", self._menu)
        self.quit_action.triggered.connect(self.quit_requested)
        self._menu.addAction(self.quit_action)

        self._tray = QSystemTrayIcon(app_icon(), self)
        self._tray.setContextMenu(self._menu)
        self._tray.activated.connect(self._on_tray_activated)
        self.set_counts(0, 0)

    @property
    def available(self) -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    @property
    def system_tray_icon(self) -> QSystemTrayIcon:
        """The wrapped icon, for the Notifier's tray messages."""
        return self._tray

    @property
    def menu(self) -> QMenu:
        return self._menu

    def set_window(self, window: QWidget | None) -> None:
        self._window = window
        self.toggle_window_action.setEnabled(window is not None)

    def show(self) -> bool:
        """Show the icon when a tray exists; returns whether it is shown."""
        if self.available:
            self._tray.show()
        return self._tray.isVisible()

    def hide(self) -> None:
        self._tray.hide()

    def set_counts(self, running: int, queued: int) -> None:
        self._tray.setToolTip(f"TaskRun — {running} running, {queued} queued")

    def tool_tip(self) -> str:
        return self._tray.toolTip()

    def set_queue_paused(self, paused: bool) -> None:
        """Reflect the engine's state without echoing it back as a request."""
        blocked = self.pause_action.blockSignals(True)
        self.pause_action.setChecked(paused)
        self.pause_action.blockSignals(blocked)

    def refresh_task_menu(self) -> None:
        """Refill "Run task" from the callable; called each time the submenu opens."""
        self.run_menu.clear()
        names = list(self._task_names())
        for name in names:
            action = self.run_menu.addAction(name)
            action.triggered.connect(lambda _checked=False, n=name: self.run_requested.emit(n))
        if not names:
            self.run_menu.addAction("No tasks").setEnabled(False)

    def toggle_window(self) -> None:
        window = self._window
        if window is None:
            return
        if window.isVisible() and not window.isMinimized():
            window.hide()
        else:
            window.showNormal()
            window.raise_()
            window.activateWindow()

    def _on_menu_about_to_show(self) -> None:
        shown = self._window is not None and self._window.isVisible()
        self.toggle_window_action.setText("Hide window" if shown else "Show window")

    def _on_tray_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.toggle_window()
