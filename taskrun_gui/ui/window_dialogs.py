"""The main window's small questions and how it opens its dialogs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget


def ask_quit(parent: QWidget, running: int, queued: int) -> bool:
    text = f"{running} run(s) are running and {queued} queued.\n\nQuitting cancels them. Quit?"
    return QMessageBox.question(parent, "Quit TaskRun", text) == QMessageBox.StandardButton.Yes


def open_modeless(dialog: QDialog) -> None:
    """Shown without blocking the window (runs keep updating behind it), freed on close."""
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()


def show_about(parent: QWidget, data_dir: Path) -> None:
    QMessageBox.about(
        parent,
        "About TaskRun",
        "<b>TaskRun</b><p>Run your scripts, keep every run, see how each "
        f"task behaves over time.</p><p>Data: {data_dir}</p>",
    )
