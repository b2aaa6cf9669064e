"""Declared parameters as a table: name, default, required, secret, choices, description.

Choices are typed comma-separated because a task has few and they are short; an empty default
cell means "no default" (None), which is what makes a required parameter ask for a value.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidgetItem, QWidget

from taskrun_gui.core.models import Param
from taskrun_gui.ui.editor.editable_table import EditableTable

HEADERS = ("Name", "Default", "Required", "Secret", "Choices (a, b, c)", "Description")
COL_NAME, COL_DEFAULT, COL_REQUIRED, COL_SECRET, COL_CHOICES, COL_DESCRIPTION = range(6)
_CHECK_COLUMNS = (COL_REQUIRED, COL_SECRET)


class ParamsTable(EditableTable):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(list(HEADERS), add_text="Add parameter", parent=parent)
        header = self.table.horizontalHeader()
        for col, width in ((COL_NAME, 120), (COL_DEFAULT, 110), (COL_REQUIRED, 70)):
            header.resizeSection(col, width)
        header.resizeSection(COL_SECRET, 60)
        header.resizeSection(COL_CHOICES, 140)

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

    def new_row(self) -> int:
        return self.add_row()

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

    def _checked(self, row: int, col: int) -> bool:
        item = self.table.item(row, col)
        return item is not None and item.checkState() == Qt.CheckState.Checked
