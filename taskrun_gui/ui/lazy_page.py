"""A tab page built the first time it is shown or asked for: the window opens without
importing and building tabs nobody has opened yet (start-up is measured in milliseconds).

While the window waits for its store (it shows before the history is opened, app.py), a page
says so in place of its content and is built when the store is ready, if it is shown then."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class LazyPage(QWidget):
    def __init__(self, factory: Callable[[], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._factory = factory
        self._widget: QWidget | None = None
        self._waiting: QLabel | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    @property
    def is_built(self) -> bool:
        return self._widget is not None

    @property
    def is_waiting(self) -> bool:
        return self._waiting is not None

    def wait(self, note: str) -> None:
        """Show `note` instead of the content until ready() (the page cannot be built yet)."""
        if self._widget is not None:
            return
        if self._waiting is None:
            self._waiting = QLabel()
            self._waiting.setObjectName("pageWaiting")
            self._waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._layout.addWidget(self._waiting)
        self._waiting.setText(note)

    def ready(self) -> None:
        """The page can be built now: at once when it is on screen, else when first shown."""
        if self._waiting is None:
            return
        self._waiting.hide()
        self._layout.removeWidget(self._waiting)
        self._waiting.deleteLater()
        self._waiting = None
        if self.isVisible():
            self.widget()

    def widget(self) -> QWidget:
        if self._widget is None:
            assert self._waiting is None, "a waiting page is built once it is ready"
            self._widget = self._factory()
            self._layout.addWidget(self._widget)
            self._widget.show()  # now, with the page: not one event loop turn later
        return self._widget

    def built_widget(self) -> QWidget | None:
        """The content when the page can have it (built now if need be); None while waiting."""
        return None if self._waiting is not None else self.widget()

    def showEvent(self, event: QShowEvent) -> None:
        if self._waiting is None:
            self.widget()
        super().showEvent(event)
