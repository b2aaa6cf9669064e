"""A task's versions: pick two to see their diff, or one to roll back to.

Every save is a version, so this is the "what changed before it broke" view. The diff is
computed by tasks_repo on a worker; rollback writes a *new* version with the old content, so
nothing is ever lost.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from taskrun_gui.core.spec_diff import SpecChanges
from taskrun_gui.core.timefmt import local_text
from taskrun_gui.storage import tasks_repo
from taskrun_gui.storage.tasks_repo import TaskRow, VersionRow
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.widgets.spec_changes_view import SpecChangesView

NUMBER_ROLE = Qt.ItemDataRole.UserRole


class VersionsPanel(QWidget):
    rolled_back = Signal(object)  # TaskRow
    diff_shown = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._task_id: int | None = None
        self._current = 0
        self.confirm: Callable[[str, str], bool] = self._ask
        self.list = QListWidget()
        self.list.setObjectName("versionsList")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.itemSelectionChanged.connect(self._on_list_item_selection_changed)
        self.hint = QLabel("Select two versions to compare, or one to see what it changed.")
        self.hint.setWordWrap(True)
        self.hint.setEnabled(False)
        self.rollback_button = QPushButton("Roll back to this version…")
        self.rollback_button.clicked.connect(self._on_rollback_button_clicked)
        self.changes_view = SpecChangesView()  # setting by setting, the script as a diff
        self.diff_view = self.changes_view.diff_view  # the whole unified diff
        self.diff_view.setPlaceholderText("No versions selected")

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("<b>Versions</b>"))
        left_layout.addWidget(self.list, 1)
        left_layout.addWidget(self.hint)
        row = QHBoxLayout()
        row.addWidget(self.rollback_button)
        row.addStretch(1)
        left_layout.addLayout(row)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(left)
        splitter.addWidget(self.changes_view)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 760])  # the comparison is what the user came for
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self._update_buttons()

    def load(self, task_id: int | None, current_version: int = 0) -> None:
        """Show the versions of a task (None: a new task has none yet)."""
        self._task_id = task_id
        self._current = current_version
        self.list.clear()
        self._show(None, "No versions selected")
        self._update_buttons()
        if task_id is not None:
            self._ctx.query.read(
                lambda: tasks_repo.versions(task_id), self._on_versions_loaded, owner=self
            )

    def select_numbers(self, numbers: list[int]) -> None:
        self.list.clearSelection()
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(NUMBER_ROLE) in numbers:
                item.setSelected(True)

    def selected_numbers(self) -> list[int]:
        return sorted(int(i.data(NUMBER_ROLE)) for i in self.list.selectedItems())

    def _on_versions_loaded(self, versions: list[VersionRow]) -> None:
        self.list.clear()
        for v in versions:
            when = local_text(v.created_at)[:16]
            item = QListWidgetItem(f"v{v.number} · {when} · {v.content_hash[:7]}")
            item.setToolTip(f"content hash {v.content_hash}")
            if v.number == self._current:  # bold rather than a suffix that gets cut off
                font = item.font()
                font.setBold(True)
                item.setFont(font)
                item.setToolTip(f"current version · content hash {v.content_hash}")
            item.setData(NUMBER_ROLE, v.number)
            self.list.addItem(item)
        self._update_buttons()

    def _on_list_item_selection_changed(self) -> None:
        self._update_buttons()
        numbers = self.selected_numbers()
        task_id = self._task_id
        if task_id is None or not numbers or len(numbers) > 2:
            self._show(None, "Select one version, or two to compare")
            return
        a, b = (numbers[0] - 1, numbers[0]) if len(numbers) == 1 else (numbers[0], numbers[1])
        if a < 1:
            self._show(None, "Version 1: the first definition")
            return
        self._ctx.query.read(
            lambda: tasks_repo.changes(task_id, a, b), self._on_diff_loaded, owner=self
        )

    def _show(self, changes: SpecChanges | None, placeholder: str) -> None:
        self.changes_view.set_changes(changes, placeholder)
        self.diff_view.setPlaceholderText(placeholder)

    def _on_diff_loaded(self, changes: SpecChanges) -> None:
        text = changes.unified
        self.changes_view.set_changes(changes)
        if not text:
            self.diff_view.set_diff("(no differences)\n")
        self.diff_shown.emit(text)

    def _on_rollback_button_clicked(self) -> None:
        numbers = self.selected_numbers()
        task_id = self._task_id
        if task_id is None or len(numbers) != 1:
            return
        number = numbers[0]
        if not self.confirm(
            "Roll back",
            f"Make a new version with the content of version {number}?\n\n"
            "The current version stays in the list.",
        ):
            return
        self._ctx.query.write(
            lambda: tasks_repo.rollback(task_id, number),
            self._on_rolled_back,
            self._on_rollback_failed,
            self,
        )

    def _on_rolled_back(self, row: TaskRow) -> None:
        self.load(row.id, row.version)
        self.rolled_back.emit(row)

    def _on_rollback_failed(self, exc: Exception) -> None:
        QMessageBox.warning(self, "Roll back", f"Could not roll back: {exc}")

    def _update_buttons(self) -> None:
        numbers = self.selected_numbers()
        self.rollback_button.setEnabled(len(numbers) == 1 and numbers[0] != self._current)

    def _ask(self, title: str, text: str) -> bool:
        return QMessageBox.question(self, title, text) == QMessageBox.StandardButton.Yes
