"""Environment variables as an editable two-column table with Add and Remove."""

from __future__ import annotations

from PySide6.QtWidgets import QTableWidgetItem, QWidget

from taskrun_gui.ui.editor.editable_table import EditableTable


class KeyValueTable(EditableTable):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(["Variable", "Value"], parent=parent)
        self.table.horizontalHeader().resizeSection(0, 180)

    def set_items(self, items: dict[str, str]) -> None:
        blocked = self.table.blockSignals(True)
        self.table.setRowCount(0)
        for key, value in items.items():
            self._append(key, value)
        self.table.blockSignals(blocked)

    def items(self) -> dict[str, str]:
        """Rows with a non-empty name; a later duplicate wins, as in a shell."""
        out: dict[str, str] = {}
        for row in range(self.table.rowCount()):
            key = self._text(row, 0).strip()
            if key:
                out[key] = self._text(row, 1)
        return out

    def new_row(self) -> int:
        return self._append("", "")

    def _append(self, key: str, value: str) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(key))
        self.table.setItem(row, 1, QTableWidgetItem(value))
        return row
