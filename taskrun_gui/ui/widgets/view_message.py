"""A message centred over an empty table ("No runs yet", "No tasks match …"), with an optional
button (e.g. Clear filters), in the look of the Tasks tab's first-start page.

It is a child of the view's viewport, kept as large as the viewport, and shown only while the
view lists nothing: the header stays, so the user still sees which table is empty."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QLabel, QPushButton, QVBoxLayout, QWidget


def title_label(text: str, scale: float = 1.5) -> QLabel:
    """A bold, larger, centred line: the headline of an empty page or table."""
    label = QLabel(text)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


class ViewMessage(QWidget):
    action_requested = Signal()

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view.viewport())
        self.setObjectName("viewMessage")
        self._viewport = view.viewport()
        self.title = title_label("", 1.25)
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # a search text is shown as typed
        self.button = QPushButton()
        self.button.clicked.connect(self.action_requested)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addSpacing(8)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        self._viewport.installEventFilter(self)
        self.setGeometry(self._viewport.rect())
        self.hide()

    def show_message(self, text: str, action: str = "") -> None:
        """Show `text` (and a button labelled `action`, when given) over the view."""
        self.title.setText(text)
        self.button.setText(action)
        self.button.setVisible(bool(action))
        self.setGeometry(self._viewport.rect())
        self.show()
        self.raise_()

    def text(self) -> str:
        """What the user reads: empty while hidden."""
        return self.title.text() if self.isVisible() else ""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._viewport and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._viewport.rect())
        return False
