"""The main window: five tabs, menus, the status bar, tray and notifications.

Thin on purpose: each tab does its own work; this class routes between them, turns engine
signals into counts and notifications, and decides what closing means while runs are in flight.

It can show before its store is open (app.py opens it on a worker): the frame, menus, tray
and status bar first, every tab saying the history is being opened; attach() then builds the
tabs on the store (window_parts.py). This module imports only what the frame needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QSettings, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QTabWidget, QWidget

from taskrun_gui.resources import app_icon
from taskrun_gui.ui import settings_keys as cfg
from taskrun_gui.ui import window_frame
from taskrun_gui.ui.find_shortcut import install_find_shortcut
from taskrun_gui.ui.main_menus import MainMenus
from taskrun_gui.ui.tray import TrayIcon
from taskrun_gui.ui.window_dialogs import ask_quit, open_modeless, show_about
from taskrun_gui.ui.window_frame import OPENING, TAB_EDITOR, TAB_LOGS, TAB_TASKS, TAB_TRENDS

if TYPE_CHECKING:
    from taskrun_gui.core.models import RunRecord
    from taskrun_gui.ui.change_hub import RunChanges
    from taskrun_gui.ui.context import AppContext
    from taskrun_gui.ui.editor.editor_tab import EditorTab
    from taskrun_gui.ui.history.history_tab import HistoryTab
    from taskrun_gui.ui.monitor.monitor_tab import MonitorTab
    from taskrun_gui.ui.notification_banner import NotificationBanner
    from taskrun_gui.ui.notification_center import NotificationButton
    from taskrun_gui.ui.notifications import Notifier
    from taskrun_gui.ui.tasks.run_notices import RunNotices
    from taskrun_gui.ui.tasks.tasks_tab import TasksTab
    from taskrun_gui.ui.trends.trends_tab import TrendsTab

NOTE_MS = 10_000  # a quiet note stays this long in the status bar


class MainWindow(QMainWindow):
    quit_requested = Signal()  # the user confirmed quitting: the app should exit
    brought_to_front = Signal()  # a second launch asked for this window
    attached = Signal()  # the tabs are on the store now (at once when built with one)

    # the tabs and the status bar's labels (window_frame.py)
    tabs: QTabWidget
    central: QWidget
    counts_label: QLabel
    health_label: QLabel
    host_label: QLabel
    # built by attach() (window_parts.py)
    banner: NotificationBanner
    notifier: Notifier
    notices: RunNotices
    notification_button: NotificationButton

    def __init__(
        self,
        ctx: AppContext | None = None,
        host_note: str | None = None,
        parent: QWidget | None = None,
        *,
        settings: QSettings | None = None,
    ) -> None:
        """With `ctx`, the whole window at once; without, the frame on `settings`, waiting
        for attach(ctx) (each tab says the history is being opened)."""
        super().__init__(parent)
        self._ctx: AppContext | None = None
        self.setWindowTitle("TaskRun")
        self.setWindowIcon(app_icon())
        self.confirm_quit: Callable[[int, int], bool] = lambda r, q: ask_quit(self, r, q)
        self._quitting = False
        self._told: set[str] = set()  # log write problems the user was told about
        # each tab is built (and its modules imported) when first shown or needed: the
        # window opens with what its first tab needs
        self._pages = window_frame.build_tabs(
            self,
            [
                self._make_tasks_tab,
                self._make_editor_tab,
                self._make_history_tab,
                self._make_trends_tab,
                self._make_monitor_tab,
            ],
        )
        self._tasks_page, self._editor_page, self._history_page = self._pages[:3]
        self._trends_page, self._monitor_page = self._pages[3:]
        self._tab = TAB_TASKS
        self.tray = TrayIcon(self, self._task_names, self)
        self.tray.show()
        window_frame.build_status_bar(self, host_note)
        self._settings = ctx.settings if ctx is not None else settings
        self._build_menus()
        self.find_shortcut = install_find_shortcut(self, self.tabs)
        window_frame.restore_frame(self, self._settings)
        if ctx is None:
            for page in self._pages:
                page.wait(OPENING)
            self.counts_label.setText(OPENING)
            self._set_ready(False)
        else:
            self.attach(ctx)

    @property
    def ctx(self) -> AppContext:
        assert self._ctx is not None, "the window is not attached to a store yet"
        return self._ctx

    @property
    def is_attached(self) -> bool:
        return self._ctx is not None

    def attach(self, ctx: AppContext) -> None:
        """Build the tabs on the opened store (the one shown first at once), the
        notifications, and follow the engine."""
        from taskrun_gui.ui.window_parts import build_parts

        self._ctx = ctx
        self._tasks_page.ready()
        build_parts(self, ctx)
        self.banner.history_requested.connect(self.notification_button.open_center)
        a = self.tasks_tab.actions_
        self.menus.add_file_actions([a.import_, a.import_folder, a.export])
        self._set_ready(True)
        self._connect()
        self._update_counts()
        self.tasks_tab.restore_state(ctx.settings)
        self.tasks_tab.model.reload_now()
        for page in self._pages[1:]:
            page.ready()  # the one on screen is built now
        self._tab = self.tabs.currentIndex()
        if self._tab == TAB_TRENDS:
            self.trends_tab.set_task(self.tasks_tab.selected_task_id())
        self.attached.emit()

    def _set_ready(self, ready: bool) -> None:
        """What needs the store or the engine waits for it: the menus' and the tray's."""
        self.menus.set_store_actions_enabled(ready)
        self.tray.run_menu.setEnabled(ready)
        self.tray.pause_action.setEnabled(ready)

    def _task_names(self) -> list[str]:
        return list(self.tasks_tab.task_names()) if self.is_attached else []

    def _build_menus(self) -> None:
        titles = [self.tabs.tabText(i) for i in range(self.tabs.count())]
        theme = cfg.theme_mode(self._settings) if self._settings is not None else "system"
        self.menus = MainMenus(self.menuBar(), [], titles, theme)
        self.menus.new_action.triggered.connect(self._on_tasks_tab_new_requested)
        self.menus.settings_action.triggered.connect(self._on_settings_triggered)
        self.menus.hosts_action.triggered.connect(self._on_hosts_triggered)
        self.menus.quit_action.triggered.connect(self.request_quit)
        self.menus.about_action.triggered.connect(self._on_about_triggered)
        self.menus.theme_chosen.connect(self._on_menus_theme_chosen)
        self.menus.tab_chosen.connect(self.tabs.setCurrentIndex)
        self.tray.quit_requested.connect(self.request_quit)

    def _connect(self) -> None:
        """Every engine signal the window listens to, in one place (run changes come from
        the change hub, which each tab also follows for what it shows)."""
        ex = self.ctx.executor
        self.ctx.hub.changed.connect(self._on_hub_changed)
        ex.store_health_changed.connect(self._on_store_health_changed)
        ex.serving_changed.connect(self._on_executor_serving_changed)
        self.notifier.noted.connect(self._on_notifier_noted)
        self.tasks_tab.edit_requested.connect(self._on_tasks_tab_edit_requested)
        self.tasks_tab.new_requested.connect(self._on_tasks_tab_new_requested)
        self.tasks_tab.history_requested.connect(self._on_tasks_tab_history_requested)
        self.tasks_tab.launcher.queued.connect(self._on_launcher_queued)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.notifier.activated.connect(self._on_notifier_activated)
        self.tray.run_requested.connect(self.tasks_tab.run_task_by_name)
        self.tray.queue_paused_changed.connect(ex.set_queue_paused)

    # -- public ------------------------------------------------------------------------------
    def show_run(self, run_id: int) -> None:
        self.tabs.setCurrentIndex(TAB_LOGS)
        self.history_tab.show_run(run_id)

    def bring_to_front(self) -> None:
        """Show, raise and activate: a second launch of the app asked for this window."""
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()
        self.brought_to_front.emit()

    def request_quit(self) -> bool:
        """Quit after asking when runs are in flight; False when the user said no."""
        if self._ctx is not None:
            ex = self._ctx.executor
            running, queued = len(ex.running()), len(ex.queue())
            if (running or queued) and not self.confirm_quit(running, queued):
                return False
        if self._editor_page.is_built and not self.editor_tab.maybe_leave():
            return False
        self._quitting = True
        self.save_state()
        self.quit_requested.emit()
        return True

    def set_host_note(self, note: str | None) -> None:
        """Name the process that executes the runs, when it is not this one."""
        self.host_label.setText(note or "")
        self.host_label.setVisible(bool(note))

    def save_state(self) -> None:
        if self._settings is not None:
            window_frame.save_state(self, self._settings)

    def shutdown(self) -> None:
        """Hide, and stop what the window runs itself (sampling, tray); the host is closed
        by the app afterwards (waiting for runs in flight must not hang a visible window)."""
        self.hide()
        if self._monitor_page.is_built:
            self.monitor_tab.shutdown()
        self.tray.hide()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._ctx is None:  # nothing runs yet: closing is quitting
            if self._quitting or self.request_quit():
                self.shutdown()
                event.accept()
            return
        busy = self.ctx.executor.is_busy()
        to_tray = cfg.setting_bool(self.ctx.settings, cfg.KEY_CLOSE_TO_TRAY)
        if not self._quitting and busy and to_tray and self.notifier.uses_tray():
            self.save_state()
            self.hide()
            self.notifier.notify("TaskRun is still running", "Runs go on in the tray.")
            event.ignore()
            return
        if not self._quitting and not self.request_quit():
            event.ignore()
            return
        self.shutdown()
        event.accept()

    # -- engine slots ------------------------------------------------------------------------
    def _on_hub_changed(self, changes: RunChanges) -> None:
        from taskrun_gui.ui.window_parts import tell_log_trouble  # loaded by attach()

        if changes.queue:
            self._show_counts(len(changes.running), len(changes.queued))
        self.notices.apply_changes(changes)
        for rec in changes.finished:
            tell_log_trouble(self.notifier, self._told, rec)

    def _on_store_health_changed(self, ok: bool, message: str) -> None:
        self.health_label.setText(
            "" if ok else f"⚠ History store problem: {message} — runs go on, history is kept aside"
        )
        self.health_label.setVisible(not ok)

    def _on_executor_serving_changed(self, serving: bool, message: str) -> None:
        """The process this window followed went away and this window serves now (or the
        other way round): say so where the host was named, and once as a notification."""
        self.set_host_note(None if serving else message)
        self.notifier.notify("TaskRun", message, "info")
        self._update_counts()

    def _on_notifier_noted(self, text: str) -> None:
        self.statusBar().showMessage(text, NOTE_MS)

    def _update_counts(self) -> None:
        ex = self.ctx.executor
        self._show_counts(len(ex.running()), len(ex.queue()))

    def _show_counts(self, running: int, queued: int) -> None:
        self.counts_label.setText(f"{running} running · {queued} queued")
        self.tray.set_counts(running, queued)

    # -- the tabs built on first use ----------------------------------------------------------
    @property
    def tasks_tab(self) -> TasksTab:
        return cast("TasksTab", self._tasks_page.widget())

    @property
    def editor_tab(self) -> EditorTab:
        return cast("EditorTab", self._editor_page.widget())

    @property
    def history_tab(self) -> HistoryTab:
        return cast("HistoryTab", self._history_page.widget())

    @property
    def trends_tab(self) -> TrendsTab:
        return cast("TrendsTab", self._trends_page.widget())

    @property
    def monitor_tab(self) -> MonitorTab:
        return cast("MonitorTab", self._monitor_page.widget())

    def _make_tasks_tab(self) -> QWidget:
        from taskrun_gui.ui.tasks.tasks_tab import TasksTab

        return TasksTab(self.ctx)

    def _make_editor_tab(self) -> QWidget:
        from taskrun_gui.ui.editor.editor_tab import EditorTab  # pygments and all

        tab = EditorTab(self.ctx)
        tab.saved.connect(self._on_editor_tab_saved)
        return tab

    def _make_history_tab(self) -> QWidget:
        from taskrun_gui.ui.history.history_tab import HistoryTab

        return HistoryTab(self.ctx)

    def _make_trends_tab(self) -> QWidget:
        from taskrun_gui.ui.trends.trends_tab import TrendsTab

        tab = TrendsTab(self.ctx)
        tab.open_run_requested.connect(self.show_run)
        return tab

    def _make_monitor_tab(self) -> QWidget:
        from taskrun_gui.ui.window_parts import make_monitor_tab

        return make_monitor_tab(self.ctx)

    def _on_tasks_tab_edit_requested(self, task_id: int) -> None:
        if self.editor_tab.edit_task(task_id):
            self.tabs.setCurrentIndex(TAB_EDITOR)

    def _on_tasks_tab_new_requested(self) -> None:
        if self.editor_tab.edit_task(None):
            self.tabs.setCurrentIndex(TAB_EDITOR)

    def _on_tasks_tab_history_requested(self, task_id: int) -> None:
        self.tabs.setCurrentIndex(TAB_LOGS)
        self.history_tab.show_task(task_id)

    def _on_launcher_queued(self, recs: list[RunRecord]) -> None:
        """Run (toolbar, Ctrl+R, tray) takes the user to the output, as Rundeck does: the
        Logs tab, the new run selected, its log followed live."""
        if recs:
            self.tabs.setCurrentIndex(TAB_LOGS)
            self.history_tab.follow_new_run(recs[0].uid)

    def _on_editor_tab_saved(self, task_id: int) -> None:
        self.tasks_tab.select_task(task_id)
        self.tasks_tab.model.reload_now()

    def _on_tabs_current_changed(self, index: int) -> None:
        if self._tab == TAB_EDITOR and index != TAB_EDITOR and not self.editor_tab.maybe_leave():
            self.tabs.setCurrentIndex(TAB_EDITOR)  # the user chose to stay
            return
        self._tab = index
        if index == TAB_TRENDS:
            self.trends_tab.set_task(self.tasks_tab.selected_task_id())

    def _on_notifier_activated(self, run_uid: str) -> None:
        self.bring_to_front()
        if run_uid:
            from taskrun_gui.storage import runs_repo

            self.ctx.query.read(
                lambda: runs_repo.get_by_uid(run_uid), self._on_run_found, owner=self
            )

    def _on_run_found(self, rec: RunRecord | None) -> None:
        if rec is not None and rec.id is not None:
            self.show_run(rec.id)

    def _on_menus_theme_chosen(self, mode: str) -> None:
        from taskrun_gui.ui.theme import apply_theme

        if self._settings is not None:
            self._settings.setValue(cfg.KEY_THEME, mode)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, mode)

    def _on_settings_triggered(self) -> None:
        from taskrun_gui.ui.settings_dialog import SettingsDialog

        open_modeless(SettingsDialog(self.ctx, self))

    def _on_hosts_triggered(self) -> None:
        from taskrun_gui.ui.hosts.hosts_dialog import HostsDialog

        open_modeless(HostsDialog(self.ctx, self))

    def _on_about_triggered(self) -> None:
        show_about(self, self.ctx.store.data_dir)
