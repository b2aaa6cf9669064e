"""How the runs table of the Logs tab looks: uniform rows, status chips, columns as wide as
their usual text in this font, Error stretching, Host beside the status."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from taskrun_gui.ui.history.history_columns import Col, fitted_widths
from taskrun_gui.ui.widgets.status_delegate import StatusChipDelegate


def make_history_table(model: QAbstractItemModel, parent: QWidget) -> QTableView:
    table = QTableView(parent)
    table.setObjectName("historyTable")
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    rows = table.verticalHeader()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # uniform rows: no measuring
    rows.setDefaultSectionSize(table.fontMetrics().height() + 12)
    table.setItemDelegateForColumn(Col.STATUS, StatusChipDelegate(table))
    rows.hide()
    header = table.horizontalHeader()
    header.setSectionsMovable(True)
    header.setHighlightSections(False)
    for col, width in fitted_widths(table.fontMetrics()).items():
        header.resizeSection(col, width)
    header.setSectionResizeMode(Col.ERROR, QHeaderView.ResizeMode.Stretch)
    header.moveSection(header.visualIndex(Col.HOST), Col.TRIGGER)  # beside the status
    header.moveSection(header.visualIndex(Col.NODE), Col.TRIGGER + 1)  # and the host
    return table
