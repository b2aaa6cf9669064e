"""The notification history the user can open: a status-bar button counting what arrived
since it was last looked at, and a list of the last 50 notifications and quiet notes
(newest first), each with its run one click away. Banners and tray balloons go away; this
is where they can be read again."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from taskrun_gui.ui.notifications import Notification, Notifier

_ICONS = {
    "info": QStyle.StandardPixmap.SP_MessageBoxInformation,
    "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
}


def _item_text(n: Notification) -> str:
    quiet = "" if n.shown else "  (note)"
    return f"{n.at:%H:%M:%S}  {n.title}{quiet}\n{n.message}"


class NotificationCenter(QDialog):
    """The history, newest first; activating an entry with a run shows that run."""

    run_requested = Signal(str)  # run uid

    def __init__(self, notifier: Notifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Notifications")
        self._notifier = notifier
        self.list = QListWidget(self)
        self.list.setObjectName("notificationList")
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.itemActivated.connect(self._on_list_item_activated)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        notifier.history_changed.connect(self.reload)
        self.resize(520, 420)
        self.reload()

    def reload(self) -> None:
        self.list.clear()
        for n in reversed(self._notifier.history()):
            item = QListWidgetItem(self.style().standardIcon(_ICONS[n.level]), _item_text(n))
            item.setData(Qt.ItemDataRole.UserRole, n.run_uid or "")
            item.setToolTip("Double-click to show the run" if n.run_uid else n.message)
            self.list.addItem(item)

    def _on_list_item_activated(self, item: QListWidgetItem) -> None:
        uid = item.data(Qt.ItemDataRole.UserRole)
        if uid:
            self.run_requested.emit(uid)


class NotificationButton(QToolButton):
    """ "🔔 3" in the status bar: notifications since the history was last opened."""

    def __init__(self, notifier: Notifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notificationButton")
        self.setAutoRaise(True)
        self.setToolTip("Notification history")
        self.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._notifier = notifier
        self._seen = 0
        self.center: NotificationCenter | None = None
        notifier.history_changed.connect(self._update)
        self.clicked.connect(self.open_center)
        self._update()

    def unseen(self) -> int:
        return max(0, len(self._notifier.history()) - self._seen)

    def open_center(self) -> NotificationCenter:
        if self.center is None:
            self.center = NotificationCenter(self._notifier, self.window())
            self.center.run_requested.connect(self._notifier.activated)  # as a banner's Show
        self._seen = len(self._notifier.history())
        self._update()
        self.center.show()
        self.center.raise_()
        return self.center

    def _update(self) -> None:
        if len(self._notifier.history()) < self._seen:  # the oldest fell off the end
            self._seen = len(self._notifier.history())
        count = self.unseen()
        self.setText(f"{count} new" if count else "Notifications")
        self.setAccessibleName(f"Notifications, {count} new")
