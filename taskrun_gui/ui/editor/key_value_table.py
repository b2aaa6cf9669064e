"""Environment variables as an editable two-column table with Add and Remove."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


class KeyValueTable(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Variable", "Value"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().resizeSection(0, 180)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMinimumHeight(90)
        self.table.itemChanged.connect(self._on_item_changed)
        add = QPushButton("Add")
        remove = QPushButton("Remove")
        add.clicked.connect(self._on_add_clicked)
        remove.clicked.connect(self._on_remove_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

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

    def _text(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return item.text() if item is not None else ""

    def _append(self, key: str, value: str) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(key))
        self.table.setItem(row, 1, QTableWidgetItem(value))
        return row

    def _on_add_clicked(self) -> None:
        row = self._append("", "")
        self.table.setCurrentCell(row, 0)
        if (item := self.table.item(row, 0)) is not None:
            self.table.editItem(item)

    def _on_remove_clicked(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            self.table.removeRow(row)
        if rows:
            self.changed.emit()

    def _on_item_changed(self, _item: QTableWidgetItem) -> None:
        self.changed.emit()
