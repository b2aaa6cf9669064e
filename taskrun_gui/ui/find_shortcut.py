"""Ctrl+F searches whatever list or log is in front: the Tasks search, the History filter or
the shown log's find bar.

One window-wide shortcut asks the current tab page for its ``focus_search()`` (a tab without
one has nothing to search). A log view keeps its own Ctrl+F for when it sits elsewhere; where
both match, Qt calls the key ambiguous and delivers it to one of them, so both answer the same
way: by where the focus is.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLineEdit, QTabWidget, QWidget

from taskrun_gui.ui.lazy_page import LazyPage

__all__ = ["focus_line_edit", "install_find_shortcut"]


def focus_line_edit(edit: QLineEdit) -> None:
    """Put the caret in a search field with its text selected, ready to type over."""
    edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
    edit.selectAll()


def _page(tabs: QTabWidget) -> QWidget | None:
    page = tabs.currentWidget()
    return page.built_widget() if isinstance(page, LazyPage) else page


def find_in_front(tabs: QTabWidget) -> bool:
    """Focus the current page's search; False when it has none."""
    page = _page(tabs)
    focus: Callable[[], None] | None = getattr(page, "focus_search", None)
    if focus is None:
        edit = getattr(page, "search", None)  # the Tasks tab's search field
        if not isinstance(edit, QLineEdit):
            return False
        focus = lambda: focus_line_edit(edit)  # noqa: E731
    focus()
    return True


def install_find_shortcut(window: QWidget, tabs: QTabWidget) -> QShortcut:
    shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), window)
    shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
    shortcut.activated.connect(lambda: find_in_front(tabs))
    shortcut.activatedAmbiguously.connect(lambda: find_in_front(tabs))
    return shortcut
