"""In-window notifications for desktops without a system tray (and for offscreen tests).

Messages stack newest-first in one area, at most ``MAX_STACK`` at a time, and each one
dismisses itself after ``timeout_ms``. Each message owns its timer as a child,
so destroying the banner (or a message) stops the timer with it.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QEvent, QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from taskrun_gui.ui.theme import is_dark
from taskrun_gui.ui.widgets.style import blend

LEVELS = ("info", "warning", "error")

_ICONS = {
    "info": QStyle.StandardPixmap.SP_MessageBoxInformation,
    "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
}
# Accent per level as (light palette, dark palette).
_ACCENTS = {
    "info": ("#2563EB", "#60A5FA"),
    "warning": ("#B45309", "#FBBF24"),
    "error": ("#B91C1C", "#F87171"),
}


class BannerMessage(QFrame):
    """One message: level icon, bold title, text, optional "Show" link and a close button."""

    show_clicked = Signal(str)
    dismissed = Signal()

    def __init__(
        self,
        title: str,
        message: str,
        level: str,
        run_uid: str | None,
        timeout_ms: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.level = level
        self.run_uid = run_uid
        self._closing = False
        self._make_labels(title, message)
        self.show_link = self._make_show_link(run_uid) if run_uid else None
        self.close_button = self._make_close_button()
        self._lay_out()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(timeout_ms)
        self._timer.timeout.connect(self.dismiss)
        self._timer.start()

    def _make_labels(self, title: str, message: str) -> None:
        self.icon_label = QLabel(self)
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        self.icon_label.setPixmap(self.style().standardIcon(_ICONS[self.level]).pixmap(size, size))
        self.title_label = QLabel(title, self)
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.message_label = QLabel(message, self)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.setToolTip(message)
        # A long message is clipped (full text in the tooltip), never widens the window.
        self.message_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def _make_show_link(self, run_uid: str) -> QLabel:
        link = QLabel(f'<a href="{escape(run_uid)}">Show</a>', self)
        link.setTextFormat(Qt.TextFormat.RichText)
        link.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        link.setToolTip("Show this run")
        link.linkActivated.connect(self._on_show_link_activated)
        return link

    def _make_close_button(self) -> QToolButton:
        button = QToolButton(self)
        button.setAutoRaise(True)
        button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarCloseButton))
        button.setToolTip("Dismiss")
        button.setAccessibleName("Dismiss notification")
        button.clicked.connect(self.dismiss)
        return button

    def _lay_out(self) -> None:
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        layout.setSpacing(8)
        layout.addWidget(self.icon_label)
        layout.addWidget(self.title_label)
        layout.addWidget(self.message_label, 1)
        if self.show_link is not None:
            layout.addWidget(self.show_link)
        layout.addWidget(self.close_button)

    def dismiss(self) -> None:
        """Hide and schedule deletion; emits ``dismissed`` once."""
        if self._closing:
            return
        self._closing = True
        self._timer.stop()
        self.hide()
        self.dismissed.emit()
        self.deleteLater()

    def paintEvent(self, event: QPaintEvent) -> None:
        """Tinted card with an accent bar; painted, not styled, so it follows theme switches."""
        palette = self.palette()
        light_hex, dark_hex = _ACCENTS[self.level]
        accent = QColor(dark_hex if is_dark(palette) else light_hex)
        fill = blend(palette.color(palette.ColorRole.Base), accent, 0.12)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(accent.darker(110) if not is_dark(palette) else accent.lighter(90))
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 4, 4)
        painter.fillRect(QRectF(rect.left(), rect.top() + 1, 3, rect.height() - 2), accent)
        painter.end()

    def _on_show_link_activated(self, _href: str) -> None:
        if self.run_uid:
            self.show_clicked.emit(self.run_uid)
        self.dismiss()


class NotificationBanner(QWidget):
    """Up to three messages, newest on top, in one area; hidden while empty.

    In the window the area floats over the bottom-right corner of the tabs (`float_over`)
    instead of taking rows of the layout, so messages never push the window's content down;
    messages pushed out by newer ones are counted ("+2 more") and kept in the notification
    history, which the link opens.
    """

    MAX_STACK = 3
    DEFAULT_TIMEOUT_MS = 8000
    FLOAT_WIDTH = 520
    FLOAT_MARGIN = 12

    activated = Signal(str)  # run uid of the message whose "Show" link was clicked
    history_requested = Signal()  # the "+N more" link: open the notification history

    def __init__(self, parent: QWidget | None = None, timeout_ms: int = DEFAULT_TIMEOUT_MS):
        super().__init__(parent)
        self.timeout_ms = timeout_ms
        self._messages: list[BannerMessage] = []
        self._overflow = 0  # messages pushed out since the area was last empty
        self._over: QWidget | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(6, 6, 6, 0)
        self._layout.setSpacing(4)
        self.more_label = QLabel(self)
        self.more_label.setObjectName("notificationsMore")
        self.more_label.setTextFormat(Qt.TextFormat.RichText)
        self.more_label.linkActivated.connect(lambda _link: self.history_requested.emit())
        self.more_label.hide()
        self._layout.addWidget(self.more_label, 0, Qt.AlignmentFlag.AlignRight)
        self.hide()

    def float_over(self, widget: QWidget) -> None:
        """Sit over `widget`'s bottom-right corner, following its size, out of any layout."""
        self.setParent(widget)
        self._over = widget
        self._layout.setContentsMargins(0, 0, 0, 0)
        widget.installEventFilter(self)
        self._place()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._over and event.type() == QEvent.Type.Resize:
            self._place()
        return super().eventFilter(watched, event)

    def show_message(
        self, title: str, message: str, level: str = "info", run_uid: str | None = None
    ) -> BannerMessage:
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
        while len(self._messages) >= self.MAX_STACK:
            self._overflow += 1
            self._messages[-1].dismiss()
        item = BannerMessage(title, message, level, run_uid, self.timeout_ms, self)
        item.show_clicked.connect(self.activated)
        item.dismissed.connect(lambda: self._on_message_dismissed(item))
        self._messages.insert(0, item)
        self._layout.insertWidget(0, item)
        self._update_more()
        self.show()
        item.show()  # a child added to a visible parent stays hidden until shown
        self._place()
        return item

    def messages(self) -> list[BannerMessage]:
        """Messages on screen, newest first."""
        return list(self._messages)

    def clear(self) -> None:
        for item in list(self._messages):
            item.dismiss()

    def _on_message_dismissed(self, item: BannerMessage) -> None:
        if item in self._messages:
            self._messages.remove(item)
            self._layout.removeWidget(item)
        if not self._messages:
            self._overflow = 0
            self.hide()
        self._update_more()
        self._place()

    def _update_more(self) -> None:
        link = '<a href="history">Open notifications</a>'
        self.more_label.setText(f"+{self._overflow} more — {link}")
        self.more_label.setVisible(self._overflow > 0)

    def _place(self) -> None:
        over = self._over
        if over is None:
            return
        width = min(self.FLOAT_WIDTH, max(0, over.width() - 2 * self.FLOAT_MARGIN))
        height = self.sizeHint().height()
        x = over.width() - width - self.FLOAT_MARGIN
        y = over.height() - height - self.FLOAT_MARGIN
        self.setGeometry(max(0, x), max(0, y), width, height)
        self.raise_()
