"""Declared parameters as a table: name, default, required, secret, choices, description.

Choices are typed comma-separated because a task has few and they are short; an empty default
cell means "no default" (None), which is what makes a required parameter ask for a value.

A secret parameter's default is never in the table in clear: a stored one reads params.MASK,
which the task store takes on save as "keep the default the task has", and one the user types
is drawn as MASK (CHANGED_MASK) and typed into a password field. Unchecking Secret on a row
whose default is the hidden one empties the cell (the value cannot be shown, and "***" is not
a default to keep); checking it again before saving brings the hidden default back.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QHeaderView,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidgetItem,
    QWidget,
)

from taskrun_gui.core.models import Param
from taskrun_gui.core.params import CHANGED_MASK, MASK
from taskrun_gui.ui.editor.editable_table import EditableTable

HEADERS = ("Name", "Default", "Required", "Secret", "Choices (a, b, c)", "Description")
COL_NAME, COL_DEFAULT, COL_REQUIRED, COL_SECRET, COL_CHOICES, COL_DESCRIPTION = range(6)
_CHECK_COLUMNS = (COL_REQUIRED, COL_SECRET)
_HIDDEN_ROLE = Qt.ItemDataRole.UserRole + 1  # on a default cell emptied by unchecking Secret
Index = QModelIndex | QPersistentModelIndex


def _is_secret_row(index: Index) -> bool:
    state = index.sibling(index.row(), COL_SECRET).data(Qt.ItemDataRole.CheckStateRole)
    return state is not None and Qt.CheckState(state) == Qt.CheckState.Checked


class _SecretDefaultDelegate(QStyledItemDelegate):
    """Draws a secret row's default as a mask and edits it in a password field."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: Index) -> None:
        super().initStyleOption(option, index)
        if index.column() == COL_DEFAULT and option.text and _is_secret_row(index):
            option.text = MASK if option.text == MASK else CHANGED_MASK

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        editor = super().createEditor(parent, option, index)
        secret = index.column() == COL_DEFAULT and _is_secret_row(index)
        if secret and isinstance(editor, QLineEdit):
            editor.setEchoMode(QLineEdit.EchoMode.Password)
        return editor


# the least width of a text column, in average characters of the table's font
_MIN_CHARS = {COL_NAME: 12, COL_DEFAULT: 9, COL_CHOICES: 12, COL_DESCRIPTION: 8}


class ParamsTable(EditableTable):
    """Columns sized from the font, not in pixels: at a 14 pt font the headers keep their
    words apart; the table is never narrower than its columns (the form pane grows or
    scrolls instead), so Choices is never pushed out of sight, and Description takes the
    rest."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(list(HEADERS), add_text="Add parameter", parent=parent)
        self._delegate = _SecretDefaultDelegate(self.table)
        self.table.setItemDelegateForColumn(COL_DEFAULT, self._delegate)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        for col in _CHECK_COLUMNS:  # as wide as their header words
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        self._fit_to_font()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_to_font()

    def _fit_to_font(self) -> None:
        """Widths and row height from the current font; the table never gets narrower than
        its columns need (the form scrolls instead of the headers running together)."""
        header = self.table.horizontalHeader()
        char = self.table.fontMetrics().averageCharWidth()
        needed = 0
        for col in range(len(HEADERS)):
            width = max(header.sectionSizeHint(col), _MIN_CHARS.get(col, 0) * char)
            if col in (COL_NAME, COL_DEFAULT, COL_CHOICES):
                header.resizeSection(col, width)
            header.setMinimumSectionSize(min(header.minimumSectionSize(), width))
            needed += width
        frame = 2 * self.table.frameWidth() + self.table.verticalScrollBar().sizeHint().width()
        self.table.setMinimumWidth(needed + frame)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)

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
        hidden = p.secret and p.default is not None  # shown as MASK, kept by the store
        texts = {
            COL_NAME: p.name,
            COL_DEFAULT: MASK if hidden else p.default or "",
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

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() == COL_SECRET:
            self._on_secret_toggled(item.row(), item.checkState() == Qt.CheckState.Checked)
        super()._on_item_changed(item)

    def _on_secret_toggled(self, row: int, secret: bool) -> None:
        default = self.table.item(row, COL_DEFAULT)
        if default is None:
            return
        if not secret and default.text() == MASK:
            default.setData(_HIDDEN_ROLE, True)
            default.setText("")
        elif secret and default.text() == "" and default.data(_HIDDEN_ROLE):
            default.setData(_HIDDEN_ROLE, None)
            default.setText(MASK)
        self.table.viewport().update()  # the default cell is drawn masked or not
