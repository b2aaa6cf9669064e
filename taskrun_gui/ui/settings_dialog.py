"""Settings: worker limit, the log size cap per run, history retention, notifications,
close-to-tray, theme, where the data lives with how much room it takes, and the database the
next start opens (ui/settings_database.py, a page of its own); on a second page the alert
channels (ui/settings_channels.py).

This window's preferences (workers, notification switches, tray, theme) live in QSettings
under the keys below; the log cap, retention and the alert thresholds are the data dir's
policy (settings.toml in the data dir, storage.policy_file), so `taskrun daemon` serving the
same data dir applies the same ones. The dialog writes only the policy values changed.
Storage figures walk the log folder, so they are computed on a worker.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from taskrun_gui.core.policy import MAX_LOG_CAP, MIB
from taskrun_gui.core.timefmt import human_bytes
from taskrun_gui.storage import policy_file, runs_repo
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.settings_channels import ChannelsPage
from taskrun_gui.ui.settings_database import DatabaseBox
from taskrun_gui.ui.settings_keys import (
    KEY_ALERT_RATE,
    KEY_ALERT_SLOW,
    KEY_ALERT_WINDOW,
    KEY_CLOSE_TO_TRAY,
    KEY_NOTIFY_FAILURE,
    KEY_NOTIFY_FINISH,
    KEY_NOTIFY_RECOVERY,
    KEY_RETENTION_DAYS,
    KEY_RETENTION_PER_TASK,
    KEY_THEME,
    KEY_WORKERS,
    THEME_MODES,
    setting_bool,
    setting_int,
    theme_mode,
)
from taskrun_gui.ui.theme import apply_theme

# Kept in QSettings by earlier versions; the data dir's policy (settings.toml) has them now
_POLICY_KEYS = {
    KEY_RETENTION_DAYS: "retention_days",
    KEY_RETENTION_PER_TASK: "retention_per_task",
    KEY_ALERT_SLOW: "alert_slow_run",
    KEY_ALERT_RATE: "alert_success_rate",
    KEY_ALERT_WINDOW: "alert_window",
}


def migrate_policy(settings: QSettings, data_dir: Path) -> None:
    """Move this window's old retention and alert settings into the data dir's policy, once
    (a policy file already there wins: a daemon may serve the data dir by it)."""
    old = [key for key in _POLICY_KEYS if settings.contains(key)]
    if not old:
        return
    if not policy_file.policy_path(data_dir).exists():
        changes: dict[str, object] = {}
        for key in old:
            changes[_POLICY_KEYS[key]] = (
                setting_bool(settings, key) if key == KEY_ALERT_SLOW else setting_int(settings, key)
            )
        try:
            policy_file.update(data_dir, **changes)
        except (OSError, TypeError, ValueError):
            return  # kept in QSettings: tried again next start
    for key in old:
        settings.remove(key)


def _keep_forever(spin: QSpinBox, suffix: str, maximum: int) -> None:
    spin.setRange(0, maximum)
    spin.setSpecialValueText("keep all")
    spin.setSuffix(suffix)


class SettingsDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("TaskRun settings")
        self.setMinimumWidth(480)
        self._ctx = ctx
        # the data dir's policy, shared with a daemon: read from its settings.toml (one stat
        # and, when it changed, one read of a file of a few bytes, so on the UI thread)
        self._policy = policy_file.load(ctx.store.data_dir)
        self._make_running_fields(ctx)
        self._make_notify_fields(ctx.settings)
        self._make_window_fields(ctx)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        general = QWidget()
        page = QVBoxLayout(general)
        boxes = (self._running_box(), self._keep_box(), self._notify_box(), self._window_box())
        for box in (*boxes, self._data_box()):
            page.addWidget(box)
        self.channels = ChannelsPage(ctx)
        self.pages = QTabWidget()
        self.pages.addTab(general, "General")
        self.pages.addTab(self.channels, "Channels")
        self.database = DatabaseBox(ctx.store)  # a page of its own: General is tall already
        self.database_page = QWidget()
        database_layout = QVBoxLayout(self.database_page)
        database_layout.addWidget(self.database)
        database_layout.addStretch(1)
        self.pages.addTab(self.database_page, "Database")
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        layout.addWidget(buttons)
        self._load_figures()

    def _make_running_fields(self, ctx: AppContext) -> None:
        policy = self._policy
        self.workers = QSpinBox()
        self.workers.setRange(1, 256)
        self.workers.setValue(ctx.executor.workers)
        self.workers.setToolTip("How many runs may go at the same time; the rest wait in the queue")
        self._make_log_cap()
        self.retention_days = QSpinBox()
        _keep_forever(self.retention_days, " days", 36_500)
        self.retention_days.setValue(policy.retention_days)
        self.retention_per_task = QSpinBox()
        _keep_forever(self.retention_per_task, " runs", 10_000_000)
        self.retention_per_task.setValue(policy.retention_per_task)

    def _make_notify_fields(self, s: QSettings) -> None:
        """The switches are this window's preferences (QSettings); the alert thresholds are
        the data dir's policy."""
        policy = self._policy
        self.on_failure = QCheckBox("When a run fails")
        self.on_recovery = QCheckBox("When a task succeeds again after a failure")
        self.on_finish = QCheckBox("When any run finishes")
        for check, key in (
            (self.on_failure, KEY_NOTIFY_FAILURE),
            (self.on_recovery, KEY_NOTIFY_RECOVERY),
            (self.on_finish, KEY_NOTIFY_FINISH),
        ):
            check.setChecked(setting_bool(s, key))
        self.alert_slow = QCheckBox("When a run is much slower than the task's usual")
        self.alert_slow.setChecked(policy.alert_slow_run)
        self.alert_rate = QSpinBox()
        self.alert_rate.setRange(0, 100)
        self.alert_rate.setSuffix(" %")
        self.alert_rate.setSpecialValueText("never")
        self.alert_rate.setValue(policy.alert_success_rate)
        self.alert_window = QSpinBox()
        self.alert_window.setRange(2, 1000)
        self.alert_window.setSuffix(" runs")
        self.alert_window.setValue(policy.alert_window)

    def _make_window_fields(self, ctx: AppContext) -> None:
        self.close_to_tray = QCheckBox("Keep running in the tray when the window is closed")
        self.close_to_tray.setChecked(setting_bool(ctx.settings, KEY_CLOSE_TO_TRAY))
        self.theme = QComboBox()
        self.theme.addItems(list(THEME_MODES))
        self.theme.setCurrentText(theme_mode(ctx.settings))
        self.data_dir = QLabel(str(ctx.store.data_dir))
        self.data_dir.setWordWrap(True)
        self.figures = QLabel("Measuring…")
        self.figures.setObjectName("storageFigures")

    def _running_box(self) -> QGroupBox:
        run_box = QGroupBox("Running")
        run_form = QFormLayout(run_box)
        run_form.addRow("Runs at once", self.workers)
        run_form.addRow("Log size cap per run", self.log_cap)
        run_form.addRow("", self.log_cap_error)
        return run_box

    def _keep_box(self) -> QGroupBox:
        keep_box = QGroupBox("History retention")
        keep_form = QFormLayout(keep_box)
        keep_form.addRow("Delete runs older than", self.retention_days)
        keep_form.addRow("Keep at most per task", self.retention_per_task)
        self.cleanup_button = QPushButton("Clean up now")
        self.cleanup_button.setToolTip("Apply these limits now (they are also applied daily)")
        self.cleanup_button.clicked.connect(self._on_cleanup_button_clicked)
        self.cleanup_result = QLabel("")
        keep_form.addRow(self.cleanup_button, self.cleanup_result)
        return keep_box

    def _notify_box(self) -> QGroupBox:
        notify_box = QGroupBox("Notifications")
        notify_layout = QVBoxLayout(notify_box)
        for w in (self.on_failure, self.on_recovery, self.on_finish, self.alert_slow):
            notify_layout.addWidget(w)
        rate_row = QHBoxLayout()
        rate_row.addWidget(QLabel("When a task's success rate falls under"))
        rate_row.addWidget(self.alert_rate)
        rate_row.addWidget(QLabel("over its last"))
        rate_row.addWidget(self.alert_window)
        rate_row.addStretch(1)
        notify_layout.addLayout(rate_row)
        return notify_box

    def _window_box(self) -> QGroupBox:
        look_box = QGroupBox("Window")
        look_form = QFormLayout(look_box)
        look_form.addRow("Theme", self.theme)
        look_form.addRow("", self.close_to_tray)
        return look_box

    def _data_box(self) -> QGroupBox:
        data_box = QGroupBox("Data")
        data_form = QFormLayout(data_box)
        data_form.addRow("Folder", self.data_dir)
        data_form.addRow("Storage", self.figures)
        return data_box

    def _load_figures(self) -> None:
        store = self._ctx.store
        self._ctx.query.read(
            lambda: (store.db_size(), store.log_size(), runs_repo.count(runs_repo.RunFilter())),
            self._on_figures_loaded,
            self._on_figures_failed,
            self,
        )

    def _make_log_cap(self) -> None:
        """The data dir's cap, from its policy (shown in MiB, written back only if changed)."""
        cap = self._policy.log_cap_bytes
        self.log_cap = QSpinBox()
        self.log_cap.setRange(0, MAX_LOG_CAP // MIB)
        self.log_cap.setSuffix(" MiB")
        self.log_cap.setSpecialValueText("no cap")
        self.log_cap.setValue(max(1, round(cap / MIB)) if cap else 0)
        self.log_cap.setToolTip(
            "The most output one run keeps in its log file: its head and its newest tail, with "
            f"a note of what was dropped between (now {cap:,} bytes). It applies to the window "
            "and to `taskrun daemon` on this data dir; a task can set its own in the Editor."
        )
        self._shown_log_cap = self.log_cap.value()
        self.log_cap_error = QLabel()
        self.log_cap_error.setStyleSheet("color: #DC2626;")
        self.log_cap_error.setWordWrap(True)
        self.log_cap_error.hide()

    def _save_policy(self) -> bool:
        """Write the data dir's policy (the cap only if it was changed: untouched, a cap set
        in bytes elsewhere stays exact). False, with the reason shown, when it cannot be
        written. It is one small atomic write (a temporary file renamed over settings.toml),
        so it is made on the UI thread rather than handed to a worker the dialog would have
        to wait for before it closes."""
        shown: dict[str, object] = {
            "alert_slow_run": self.alert_slow.isChecked(),
            "alert_success_rate": self.alert_rate.value(),
            "alert_window": self.alert_window.value(),
            "retention_days": self.retention_days.value(),
            "retention_per_task": self.retention_per_task.value(),
        }
        changes = {k: v for k, v in shown.items() if getattr(self._policy, k) != v}
        if self.log_cap.value() != self._shown_log_cap:
            changes["log_cap_bytes"] = self.log_cap.value() * MIB
        if not changes:  # nothing written: a data dir on defaults keeps no settings file
            return True
        try:
            self._policy = policy_file.update(self._ctx.store.data_dir, **changes)
        except (OSError, policy_file.PolicyError) as exc:
            where = policy_file.policy_path(self._ctx.store.data_dir)
            self.log_cap_error.setText(f"Could not save the log cap to {where}: {exc}")
            self.log_cap_error.show()
            return False
        self._shown_log_cap = self.log_cap.value()
        return True

    def _on_cleanup_button_clicked(self) -> None:
        from taskrun_gui.ui.retention_job import RetentionJob  # imported here: avoids a cycle

        policy_file.update(
            self._ctx.store.data_dir,
            retention_days=self.retention_days.value(),
            retention_per_task=self.retention_per_task.value(),
        )
        job = RetentionJob(self._ctx, self)
        job.cleaned.connect(self._on_cleaned)
        job.failed.connect(lambda msg: self.cleanup_result.setText(f"Failed: {msg}"))
        if job.run_now():
            self.cleanup_button.setEnabled(False)
            self.cleanup_result.setText("Cleaning up…")
        else:
            self.cleanup_result.setText("Nothing to do: both limits are set to keep forever")

    def _on_cleaned(self, result: object) -> None:
        self.cleanup_button.setEnabled(True)
        runs = getattr(result, "runs_deleted", 0)
        freed = human_bytes(getattr(result, "log_bytes_freed", 0))
        self.cleanup_result.setText(f"Deleted {runs} run(s), freed {freed} of logs")

    def _on_figures_loaded(self, figures: tuple[int, int, int]) -> None:
        db, logs, runs = figures
        self.figures.setText(
            f"database {human_bytes(db)} · logs {human_bytes(logs)} · {runs:,} runs"
        )

    def _on_figures_failed(self, exc: Exception) -> None:
        self.figures.setText(f"could not measure: {exc}")

    def accept(self) -> None:
        """Store every value and apply what applies at once (workers, theme, log cap); stay
        open when the data dir's settings cannot be written."""
        if not self._save_policy():
            return
        if not self.database.save():  # its line is on its page: show it
            self.pages.setCurrentWidget(self.database_page)
            return
        s = self._ctx.settings
        s.setValue(KEY_WORKERS, self.workers.value())
        s.setValue(KEY_NOTIFY_FAILURE, self.on_failure.isChecked())
        s.setValue(KEY_NOTIFY_RECOVERY, self.on_recovery.isChecked())
        s.setValue(KEY_NOTIFY_FINISH, self.on_finish.isChecked())
        s.setValue(KEY_CLOSE_TO_TRAY, self.close_to_tray.isChecked())
        s.setValue(KEY_THEME, self.theme.currentText())
        s.sync()
        if self.workers.value() != self._ctx.executor.workers:
            self._ctx.executor.set_workers(self.workers.value())
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, self.theme.currentText())
        super().accept()


def default_workers() -> int:
    return max(1, os.cpu_count() or 2)
