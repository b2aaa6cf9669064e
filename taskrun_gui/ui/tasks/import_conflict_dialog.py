"""The question an import asks when a file's task name is taken: replace the task (a new
version of it), import the file under a free name, or skip it; "apply to all" answers the
remaining conflicts of the same import at once. One dialog per conflict, naming the file, so
a user importing a folder knows which definition each answer is about."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QMessageBox, QWidget

from taskrun_gui.storage.task_import import Conflict, OnExisting

# (what the user chose, whether it applies to the remaining conflicts); None: cancel the import
Answer = tuple[OnExisting, bool] | None


class ImportConflictDialog(QMessageBox):
    def __init__(self, conflict: Conflict, remaining: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importConflictDialog")
        self.setIcon(QMessageBox.Icon.Question)
        self.setWindowTitle("Import tasks: a name is taken")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setText(  # a file name may hold < or &: escaped, shown as it is
            f"<b>{html.escape(Path(conflict.source).name)}</b> defines the task "
            f"“{html.escape(conflict.name)}”, and a task of that name exists."
        )
        self.setInformativeText(f"File: {conflict.source}\nWhat should this import do with it?")
        role = QMessageBox.ButtonRole.AcceptRole
        self.choices = {
            self.addButton("Replace it (new version)", role): OnExisting.REPLACE,
            self.addButton(f"Import as “{conflict.free_name}”", role): OnExisting.RENAME,
            self.addButton("Skip this file", role): OnExisting.SKIP,
        }
        self.addButton("Cancel import", QMessageBox.ButtonRole.RejectRole)
        self.apply_to_all = QCheckBox(f"Do the same for the other {remaining} taken name(s)")
        if remaining:
            self.setCheckBox(self.apply_to_all)
        self.setDefaultButton(next(iter(self.choices)))

    def answer(self) -> Answer:
        clicked = self.clickedButton()
        chosen = next((c for b, c in self.choices.items() if b is clicked), None)
        return None if chosen is None else (chosen, self.apply_to_all.isChecked())


def ask_each(conflicts: list[Conflict], parent: QWidget | None) -> dict[str, OnExisting] | None:
    """One dialog per conflict until one says "apply to all"; None when the user cancels."""
    chosen: dict[str, OnExisting] = {}
    for i, conflict in enumerate(conflicts):
        dialog = ImportConflictDialog(conflict, len(conflicts) - i - 1, parent)
        dialog.exec()
        answer = dialog.answer()
        dialog.deleteLater()
        if answer is None:
            return None
        choice, to_all = answer
        chosen[conflict.name] = choice
        if to_all:
            chosen.update({c.name: choice for c in conflicts[i + 1 :]})
            break
    return chosen
