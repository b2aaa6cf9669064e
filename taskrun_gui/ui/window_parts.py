"""What the main window builds once its store is open (MainWindow.attach): the notifications
(banner, tray messages, the status bar's history button), the run notices, and the Monitor
tab on the executor. Kept apart so the window's frame shows without importing them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from taskrun_gui.ui.notification_banner import NotificationBanner
from taskrun_gui.ui.notification_center import NotificationButton
from taskrun_gui.ui.notifications import Notifier
from taskrun_gui.ui.tasks.run_notices import RunNotices

if TYPE_CHECKING:
    from taskrun_gui.core.models import RunRecord
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


def make_monitor_tab(ctx: AppContext) -> QWidget:
    """The Monitor tab on the executor's running processes (psutil sampling, charts)."""
    from taskrun_gui.ui.monitor.monitor_tab import MonitorTab

    ex = ctx.executor
    tab = MonitorTab(
        str(ctx.store.data_dir),
        running_provider=lambda: [(r.uid, r.task_name, r.pid) for r in ex.running() if r.pid],
        secrets_for=ex.shown_secrets,
    )
    tab.stop_requested.connect(ex.cancel)
    tab.pause_requested.connect(ex.pause)
    tab.resume_requested.connect(ex.resume)
    return tab


def tell_log_trouble(notifier: Notifier, told: set[str], rec: RunRecord) -> None:
    """A run's output could not all be written: said once per kind of trouble (kept in
    `told`), not at every run."""
    if rec.log_error and rec.log_error not in told:
        told.add(rec.log_error)
        notifier.notify(
            "Output not written",
            f"{rec.task_name}: {rec.log_dropped} bytes of output could not be written to "
            f"{rec.log_path} ({rec.log_error}). Runs go on; their records are kept.",
            "warning",
            rec.uid,
        )
