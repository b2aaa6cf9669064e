"""What changed between two task definitions, as a person reads it: a table of the changed
settings (field, before, after) and the script as a highlighted diff; the whole unified text
diff stays one tab away for copying.

Shared by the editor's version list and "What changed before it broke".
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from taskrun_gui.core.spec_diff import FieldChange, SpecChanges
from taskrun_gui.ui.widgets.diff_view import DiffView
from taskrun_gui.ui.widgets.style import GREEN, RED, tint

__all__ = ["SpecChangesView", "field_label"]

_STEP = "\N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}"
MAX_TABLE_ROWS = 8  # beyond this the table scrolls; the script keeps the rest of the height


def field_label(path: str) -> str:
    """A definition path as a label: "schedule.cron" -> "Schedule > cron" (with an angle
    quote for the >)."""
    parts = path.replace("[", ".").replace("]", "").split(".")
    words = [p.replace("_", " ") for p in parts if p]
    return f" {_STEP} ".join([words[0].capitalize(), *words[1:]]) if words else path


def _cell(text: str) -> QTableWidgetItem:
    first = text.splitlines()[0] if text else ""
    item = QTableWidgetItem(first + (" …" if "\n" in text.strip() else ""))
    item.setToolTip(text)
    return item


class SpecChangesView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary_label = QLabel()
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("specChangesTable")
        self.table.setHorizontalHeaderLabels(["Setting", "Before", "After"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.script_label = QLabel()
        self.script_view = DiffView()
        self.script_view.setObjectName("specScriptDiff")
        self.diff_view = DiffView()  # the whole unified diff
        self.diff_view.setObjectName("versionsDiff")
        script_box = QWidget()
        script_layout = QVBoxLayout(script_box)
        script_layout.setContentsMargins(0, 4, 0, 0)
        script_layout.addWidget(self.script_label)
        script_layout.addWidget(self.script_view, 1)
        self._split = QSplitter(Qt.Orientation.Vertical)
        self._split.setChildrenCollapsible(False)
        self._split.addWidget(self.table)
        self._split.addWidget(script_box)
        changes_page = QWidget()
        page = QVBoxLayout(changes_page)
        page.setContentsMargins(6, 6, 6, 6)
        page.addWidget(self.summary_label)
        page.addWidget(self._split, 1)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(changes_page, "Changes")
        self.tabs.addTab(self.diff_view, "Full definition diff")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.set_changes(None)

    def set_changes(self, changes: SpecChanges | None, placeholder: str = "") -> None:
        """Show a comparison (None: nothing to compare, say `placeholder`)."""
        fields = [] if changes is None else changes.fields
        script = "" if changes is None else changes.script
        self.diff_view.set_diff("" if changes is None else changes.unified)
        self._fill_table(fields)
        self.table.setVisible(bool(fields))
        self.script_view.set_diff(script)
        self.script_view.setVisible(bool(script))
        if changes is None:
            self.summary_label.setText(placeholder)
            self.script_label.setText("")
            return
        count = len(fields)
        settings = "No setting" if not count else f"{count} setting{'s' * (count != 1)}"
        self.summary_label.setText(
            f"{settings} changed · script {'changed' if script else 'unchanged'}"
        )
        self.script_label.setText("<b>Script</b>" if script else "The script did not change.")

    def content_height(self) -> int:
        """The height that shows the table and the script diff without empty space below
        (the caller caps it): a short change makes a short dialog."""
        lines = (
            len(self.script_view.diff().splitlines()) if self.script_view.isVisibleTo(self) else 0
        )
        script = (lines + 2) * self.script_view.fontMetrics().lineSpacing()
        table = self.table.maximumHeight() if self.table.rowCount() else 0
        return (
            self.tabs.tabBar().sizeHint().height()
            + 3 * self.fontMetrics().height()
            + table
            + script
            + 40
        )

    def rows(self) -> list[tuple[str, str, str]]:
        """The table as shown: (setting, before, after)."""
        out = []
        for r in range(self.table.rowCount()):
            name, before, after = (self._text(r, c) for c in range(3))
            out.append((name, before, after))
        return out

    def _text(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return "" if item is None else item.text()

    def _fill_table(self, fields: list[FieldChange]) -> None:
        self.table.setRowCount(len(fields))
        palette = self.palette()
        old_tint, new_tint = QBrush(tint(palette, RED)), QBrush(tint(palette, GREEN))
        for row, change in enumerate(fields):
            name = QTableWidgetItem(field_label(change.field))
            name.setToolTip(change.field)
            before, after = _cell(change.old), _cell(change.new)
            before.setBackground(old_tint)
            after.setBackground(new_tint)
            for col, item in enumerate((name, before, after)):
                self.table.setItem(row, col, item)
        row_height = self.table.verticalHeader().defaultSectionSize()
        shown = min(max(len(fields), 1), MAX_TABLE_ROWS)
        height = self.table.horizontalHeader().sizeHint().height() + row_height * shown + 4
        self.table.setMaximumHeight(height)
