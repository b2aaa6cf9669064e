"""A tab page built the first time it is shown or asked for: the window opens without
importing and building tabs nobody has opened yet (start-up is measured in milliseconds)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget


class LazyPage(QWidget):
    def __init__(self, factory: Callable[[], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._factory = factory
        self._widget: QWidget | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    @property
    def is_built(self) -> bool:
        return self._widget is not None

    def widget(self) -> QWidget:
        if self._widget is None:
            self._widget = self._factory()
            self._layout.addWidget(self._widget)
            self._widget.show()  # now, with the page: not one event loop turn later
        return self._widget

    def showEvent(self, event: QShowEvent) -> None:
        self.widget()
        super().showEvent(event)
