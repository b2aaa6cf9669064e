"""A one-line find bar: query field, Previous/Next, and a match counter.

It only collects the query and reports intent through signals; the view that owns the
text does the searching, so the bar can sit above any text widget.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

__all__ = ["SearchBar"]


class SearchBar(QWidget):
    """Enter finds the next match, Shift+Enter the previous one, like browsers and editors."""

    next_requested = Signal()
    previous_requested = Signal()
    query_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._edit = QLineEdit(self)
        self._edit.setObjectName("searchEdit")
        self._edit.setPlaceholderText("Find in output")
        self._edit.setClearButtonEnabled(True)
        self._edit.installEventFilter(self)
        self._edit.textChanged.connect(self.query_changed)

        self._previous = QToolButton(self)
        self._previous.setObjectName("searchPrevious")
        self._previous.setText("Previous")
        self._previous.setToolTip("Previous match (Shift+Enter)")
        self._previous.clicked.connect(self.previous_requested)

        self._next = QToolButton(self)
        self._next.setObjectName("searchNext")
        self._next.setText("Next")
        self._next.setToolTip("Next match (Enter)")
        self._next.clicked.connect(self.next_requested)

        self._matches = QLabel(self)
        self._matches.setObjectName("searchMatches")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._edit, 1)
        layout.addWidget(self._previous)
        layout.addWidget(self._next)
        layout.addWidget(self._matches)

    def query(self) -> str:
        """The text to look for."""
        return self._edit.text()

    def set_query(self, text: str) -> None:
        """Replace the query (emits ``query_changed``)."""
        self._edit.setText(text)

    def focus_query(self) -> None:
        """Put the caret in the query with its text selected, ready to type over."""
        self._edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._edit.selectAll()

    def set_match_info(self, current: int | None, count: int, counted: bool = True) -> None:
        """Show "3 of 12", "12 matches" (no current match) or "No matches"; nothing when not
        ``counted`` (the text searched is not there yet)."""
        if not self._edit.text() or not counted:
            self._matches.clear()
        elif count == 0:
            self._matches.setText("No matches")
        elif current is None:
            self._matches.setText(f"{count} match" if count == 1 else f"{count} matches")
        else:
            self._matches.setText(f"{current} of {count}")

    def match_text(self) -> str:
        """What the match counter shows."""
        return self._matches.text()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Catch Enter before QLineEdit does, to tell Shift+Enter apart."""
        if watched is self._edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                    self.previous_requested.emit()
                else:
                    self.next_requested.emit()
                return True
        return super().eventFilter(watched, event)
