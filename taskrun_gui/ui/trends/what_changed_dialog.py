""" "What changed before it broke": the latest failed run, the last success before it, and what
changed between their task versions, setting by setting with the script as a diff (or why
there is nothing to compare). With nothing to compare the dialog is a short message, not a
large empty box."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from taskrun_gui.core.timefmt import local_text
from taskrun_gui.storage.trends_repo import RunRef, WhatChanged
from taskrun_gui.ui.widgets.spec_changes_view import SpecChangesView

SAME_VERSION = "Same version — the script did not change; look at the environment or inputs."
NEVER_BROKE = "No failed run: nothing broke."
NEVER_WORKED = "No successful run before the failure: there is no good version to compare with."


def _run_text(ref: RunRef) -> str:
    return f"run #{ref.id} ({ref.status}, v{ref.version}, {local_text(ref.finished_at)})"


class WhatChangedDialog(QDialog):
    def __init__(
        self, task_name: str, found: WhatChanged | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"What changed before {task_name} broke")
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("font-weight: 600;")
        self.changes_view = SpecChangesView()
        self.diff_view = self.changes_view.diff_view  # the whole unified diff
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.message_label)
        layout.addWidget(self.changes_view, 1)
        layout.addWidget(buttons)
        self._show(found)
        if self.changes_view.isHidden():
            self.setMinimumWidth(520)
            self.adjustSize()
        else:  # as tall as the change needs, within reason
            chrome = 4 * self.fontMetrics().height() + 90
            self.resize(900, max(360, min(660, self.changes_view.content_height() + chrome)))

    def _show(self, found: WhatChanged | None) -> None:
        if found is None:
            self.summary_label.setText("")
            self._message(NEVER_BROKE)
            return
        summary = f"Latest failure: {_run_text(found.failed)}"
        if found.success is not None:
            summary += f"\nLast success before it: {_run_text(found.success)}"
        self.summary_label.setText(summary)
        if found.success is None:
            self._message(NEVER_WORKED)
        elif found.same_version:
            self._message(SAME_VERSION)
        elif not found.diff or found.changes is None:
            self._message("The two versions have the same definition.")
        else:
            self.message_label.setText(
                f"Changes from v{found.success.version} to v{found.failed.version}:"
            )
            self.changes_view.set_changes(found.changes)

    def _message(self, text: str) -> None:
        self.message_label.setText(text)
        self.changes_view.hide()
