"""One place that tells the user a run finished: the tray when there is one, else the window.

``QSystemTrayIcon.supportsMessages()`` answers True even where no tray exists (offscreen, Xvfb,
many Wayland sessions), so the choice rests on ``isSystemTrayAvailable()`` and on the icon
actually being shown.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QSystemTrayIcon

from taskrun_gui.ui.notification_banner import LEVELS, NotificationBanner

HISTORY_SIZE = 50
TRAY_MESSAGE_MS = 8000

_TRAY_ICONS = {
    "info": QSystemTrayIcon.MessageIcon.Information,
    "warning": QSystemTrayIcon.MessageIcon.Warning,
    "error": QSystemTrayIcon.MessageIcon.Critical,
}


@dataclass(frozen=True)
class Notification:
    title: str
    message: str
    level: str
    run_uid: str | None
    at: datetime = field(default_factory=datetime.now)
    shown: bool = True  # False: only kept here (a quiet note), never a banner or balloon


class Notifier(QObject):
    """Routes notifications to the tray or the in-window banner and remembers the last 50."""

    notified = Signal(str, str, str)  # title, message, level
    noted = Signal(str)  # the title of a quiet note (one line, for a status bar)
    activated = Signal(str)  # run uid ("" when a tray message without a run was clicked)
    history_changed = Signal()  # a notification or a quiet note was kept

    def __init__(
        self,
        banner: NotificationBanner,
        tray: QSystemTrayIcon | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._banner = banner
        self._tray = tray
        self._history: deque[Notification] = deque(maxlen=HISTORY_SIZE)
        self._tray_run_uid: str | None = None
        banner.activated.connect(self.activated)
        if tray is not None:
            tray.messageClicked.connect(self._on_message_clicked)

    def notify(
        self, title: str, message: str, level: str = "info", run_uid: str | None = None
    ) -> None:
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
        self._history.append(Notification(title, message, level, run_uid))
        if self.uses_tray():
            assert self._tray is not None
            self._tray_run_uid = run_uid
            self._tray.showMessage(title, message, _TRAY_ICONS[level], TRAY_MESSAGE_MS)
        else:
            self._banner.show_message(title, message, level, run_uid)
        self.notified.emit(title, message, level)
        self.history_changed.emit()

    def note(self, title: str, message: str, run_uid: str | None = None) -> None:
        """Something worth keeping but not worth interrupting for (an attempt that will be
        retried): in the history and on `noted`, never a banner or a tray balloon."""
        self._history.append(Notification(title, message, "info", run_uid, shown=False))
        self.noted.emit(title)
        self.history_changed.emit()

    def uses_tray(self) -> bool:
        """True when messages go to the system tray rather than the window."""
        return (
            self._tray is not None
            and QSystemTrayIcon.isSystemTrayAvailable()
            and self._tray.isVisible()
        )

    def history(self) -> list[Notification]:
        """The last 50 notifications and quiet notes, oldest first."""
        return list(self._history)

    def _on_message_clicked(self) -> None:
        self.activated.emit(self._tray_run_uid or "")
