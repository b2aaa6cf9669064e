"""The Tasks tab's actions in one place, so the toolbar, the context menu and the shortcuts
are the same QAction objects and enable/disable together."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from taskrun_gui.ui.icons import icon
from taskrun_gui.ui.theme import accent, is_dark

_CTX = Qt.ShortcutContext.WidgetWithChildrenShortcut


class TaskActions(QObject):
    """Plain QActions; the tab connects them. Shortcuts are scoped to the tab so Ctrl+R in
    the Editor or the Logs tab means nothing here."""

    def __init__(self, owner: QWidget) -> None:
        super().__init__(owner)

        def make(text: str, tip: str, shortcut: QKeySequence | str | None = None) -> QAction:
            action = QAction(text, owner)
            action.setToolTip(tip)
            action.setStatusTip(tip)
            if shortcut is not None:
                action.setShortcut(QKeySequence(shortcut))
                action.setShortcutContext(_CTX)
                action.setToolTip(f"{tip} ({QKeySequence(shortcut).toString()})")
            owner.addAction(action)
            return action

        # Ctrl+N belongs to the window's File menu; this button just shares its meaning.
        self.new = make("New", "Create a new task (Ctrl+N)")
        self.new.setIcon(icon("plus"))
        self.run = make("Run", "Run the selected task", "Ctrl+R")
        self.run.setIcon(icon("play", accent(is_dark(owner.palette()))))  # the primary action
        self.run_n = make("Run N times…", "Queue several runs of the selected task", "Ctrl+Shift+R")
        self.stop = make("Stop", "Stop the selected task's runs and their processes", "Ctrl+.")
        self.stop.setIcon(icon("stop"))
        self.pause = make("Pause", "Pause or resume the selected task's running runs", "Ctrl+P")
        self.pause.setIcon(icon("pause"))
        self.edit = make("Edit", "Open the selected task in the Editor (Enter)")
        self.edit.setIcon(icon("edit"))
        self.duplicate = make("Duplicate", "Make a copy of the selected task", "Ctrl+D")
        self.delete = make("Delete", "Delete the selected task (its history stays)")
        self.delete.setIcon(icon("trash"))
        self.delete.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.export = make("Export…", "Save the selected tasks as TOML")
        self.import_ = make("Import…", "Add tasks from a TOML file")
        self.import_folder = make(
            "Import folder…", "Add every task of a folder of TOML files (chains between them too)"
        )
        self.history = make("Show history", "Show this task's runs in Logs / History")
        for action, name in ((self.run_n, "repeat"), (self.duplicate, "copy")):
            action.setIcon(icon(name))
        for action, name in (
            (self.import_, "import"),
            (self.import_folder, "import"),
            (self.export, "export"),
        ):
            action.setIcon(icon(name))
        self.history.setIcon(icon("history"))

    def selection_actions(self) -> list[QAction]:
        """Actions that need a selected task."""
        return [
            self.run,
            self.run_n,
            self.stop,
            self.pause,
            self.edit,
            self.duplicate,
            self.delete,
            self.export,
            self.history,
        ]

    def context_menu(self, parent: QWidget) -> QMenu:
        """The table's right-click menu; deletes itself when closed."""
        menu = QMenu(parent)
        menu.addActions([self.run, self.run_n, self.stop, self.pause])
        menu.addSeparator()
        menu.addActions([self.edit, self.history, self.duplicate, self.delete, self.export])
        menu.addSeparator()
        menu.addAction(self.new)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        return menu
