"""Keyboard focus in the Tasks tab's lists (the task table and the run queue)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QAbstractItemView

_KEYBOARD_REASONS = (
    Qt.FocusReason.TabFocusReason,
    Qt.FocusReason.BacktabFocusReason,
    Qt.FocusReason.ShortcutFocusReason,
)


def select_on_keyboard_focus(view: QAbstractItemView, event: QFocusEvent) -> None:
    """Tabbing into a list with nothing selected selects its current (or first) row, so the
    next key (Ctrl+R, Move up, Delete) has a row to act on without a mouse click."""
    model = view.model()
    if event.reason() not in _KEYBOARD_REASONS or model is None or not model.rowCount():
        return
    if view.selectionModel().hasSelection():
        return
    index = view.currentIndex() if view.currentIndex().isValid() else model.index(0, 0)
    view.selectionModel().setCurrentIndex(
        index,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
