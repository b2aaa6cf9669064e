"""Declared parameters as a table: name, default, required, secret, choices, description.

Choices are typed comma-separated because a task has few and they are short; an empty default
cell means "no default" (None), which is what makes a required parameter ask for a value.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from taskrun_gui.core.models import Param

HEADERS = ("Name", "Default", "Required", "Secret", "Choices (a, b, c)", "Description")
COL_NAME, COL_DEFAULT, COL_REQUIRED, COL_SECRET, COL_CHOICES, COL_DESCRIPTION = range(6)
_CHECK_COLUMNS = (COL_REQUIRED, COL_SECRET)


class ParamsTable(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for col, width in ((COL_NAME, 120), (COL_DEFAULT, 110), (COL_REQUIRED, 70)):
            header.resizeSection(col, width)
        header.resizeSection(COL_SECRET, 60)
        header.resizeSection(COL_CHOICES, 140)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMinimumHeight(90)
        self.table.itemChanged.connect(self._on_item_changed)
        add = QPushButton("Add parameter")
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

    def set_params(self, params: list[Param]) -> None:
        blocked = self.table.blockSignals(True)
        self.table.setRowCount(0)
        for p in params:
            self._append(p)
        self.table.blockSignals(blocked)

    def params(self) -> list[Param]:
        out = []
        for row in range(self.table.rowCount()):
            name = self._text(row, COL_NAME).strip()
            if not name:
                continue
            default = self._text(row, COL_DEFAULT)
            choices = [c.strip() for c in self._text(row, COL_CHOICES).split(",") if c.strip()]
            out.append(
                Param(
                    name=name,
                    default=default if default != "" else None,
                    required=self._checked(row, COL_REQUIRED),
                    secret=self._checked(row, COL_SECRET),
                    choices=choices,
                    description=self._text(row, COL_DESCRIPTION),
                )
            )
        return out

    def add_row(self, name: str = "") -> int:
        """Append an empty parameter row (public so tests and shortcuts can add one)."""
        return self._append(Param(name=name))

    def _append(self, p: Param) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        texts = {
            COL_NAME: p.name,
            COL_DEFAULT: p.default or "",
            COL_CHOICES: ", ".join(p.choices),
            COL_DESCRIPTION: p.description,
        }
        for col, text in texts.items():
            self.table.setItem(row, col, QTableWidgetItem(text))
        for col, on in ((COL_REQUIRED, p.required), (COL_SECRET, p.secret)):
            item = QTableWidgetItem()
            item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self.table.setItem(row, col, item)
        return row

    def set_cell(self, row: int, col: int, text: str) -> None:
        item = self.table.item(row, col)
        if item is None:
            return
        if col in _CHECK_COLUMNS:
            item.setCheckState(Qt.CheckState.Checked if text else Qt.CheckState.Unchecked)
        else:
            item.setText(text)

    def _text(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return item.text() if item is not None else ""

    def _checked(self, row: int, col: int) -> bool:
        item = self.table.item(row, col)
        return item is not None and item.checkState() == Qt.CheckState.Checked

    def _on_add_clicked(self) -> None:
        row = self.add_row()
        self.table.setCurrentCell(row, COL_NAME)
        if (item := self.table.item(row, COL_NAME)) is not None:
            self.table.editItem(item)
        self.changed.emit()

    def _on_remove_clicked(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            self.table.removeRow(row)
        if rows:
            self.changed.emit()

    def _on_item_changed(self, _item: QTableWidgetItem) -> None:
        self.changed.emit()
