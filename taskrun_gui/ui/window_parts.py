"""What the main window builds once its store is open (MainWindow.attach): the first tab's
content, the notifications (banner, tray messages, the status bar's history button) and the
run notices. Kept apart so the window's frame shows without importing them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskrun_gui.ui.notification_banner import NotificationBanner
from taskrun_gui.ui.notification_center import NotificationButton
from taskrun_gui.ui.notifications import Notifier
from taskrun_gui.ui.tasks.run_notices import RunNotices

if TYPE_CHECKING:
    from taskrun_gui.ui.context import AppContext
    from taskrun_gui.ui.main_window import MainWindow


def build_parts(window: MainWindow, ctx: AppContext) -> None:
    """The notifications and notices of `window` on `ctx` (its Tasks tab is built first:
    the notices follow its model)."""
    window.banner = NotificationBanner()
    window.banner.float_over(window.central)  # over the tabs' corner: nothing is pushed down
    window.notifier = Notifier(window.banner, window.tray.system_tray_icon, window)
    window.notices = RunNotices(
        window.notifier, ctx.settings, window.tasks_tab.model, window, query=ctx.query
    )
    window.notification_button = NotificationButton(window.notifier)
    window.statusBar().addPermanentWidget(window.notification_button)
