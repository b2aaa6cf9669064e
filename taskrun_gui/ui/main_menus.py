"""The main window's menu bar (File, View, Help) as plain actions the window connects.

Kept out of main_window.py so the window stays about routing; the menus only say what the
user asked for (a theme, a tab, quit) and the window decides what that means.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenuBar

from taskrun_gui.ui.settings_keys import THEME_MODES


class MainMenus(QObject):
    theme_chosen = Signal(str)
    tab_chosen = Signal(int)

    def __init__(
        self,
        bar: QMenuBar,
        file_actions: list[QAction],
        tab_titles: list[str],
        current_theme: str,
    ) -> None:
        super().__init__(bar)
        file_menu = bar.addMenu("&File")
        self.new_action = file_menu.addAction("&New task")
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self._file_menu = file_menu
        self._file_end = file_menu.addSeparator()
        self.add_file_actions(file_actions)  # import and export live with the Tasks tab
        self.settings_action = file_menu.addAction("&Settings…")
        self.hosts_action = file_menu.addAction("&Hosts…")  # machines to run tasks on (SSH)
        file_menu.addSeparator()
        self.quit_action = file_menu.addAction("&Quit")
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))

        view_menu = bar.addMenu("&View")
        theme_menu = view_menu.addMenu("&Theme")
        self.theme_group = QActionGroup(self)
        for mode in THEME_MODES:
            action = theme_menu.addAction(mode.capitalize())
            action.setCheckable(True)
            action.setChecked(mode == current_theme)
            action.setData(mode)
            self.theme_group.addAction(action)
        self.theme_group.triggered.connect(self._on_theme_group_triggered)
        view_menu.addSeparator()
        self.tab_actions = []
        for i, title in enumerate(tab_titles):
            action = view_menu.addAction(title)
            action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _checked=False, i=i: self.tab_chosen.emit(i))
            self.tab_actions.append(action)

        help_menu = bar.addMenu("&Help")
        self.about_action = help_menu.addAction("&About TaskRun")

    def add_file_actions(self, actions: list[QAction]) -> None:
        """The Tasks tab's actions, in File after New (they come with the tab)."""
        self._file_menu.insertActions(self._file_end, actions)

    def set_store_actions_enabled(self, enabled: bool) -> None:
        """What needs the store (a new task, Settings, Hosts, About's data folder) waits
        for it: disabled while the window opens its history."""
        for action in (self.new_action, self.settings_action, self.hosts_action, self.about_action):
            action.setEnabled(enabled)

    def _on_theme_group_triggered(self, action: QAction) -> None:
        self.theme_chosen.emit(str(action.data()))
