"""The window's preference keys in QSettings and how their values are read: all the window
needs before it shows (the theme, the tab, the worker limit), without importing the Settings
dialog and the storage it reads."""

from __future__ import annotations

from PySide6.QtCore import QSettings

THEME_MODES = ("system", "light", "dark")

KEY_WORKERS = "executor/workers"
KEY_RETENTION_DAYS = "retention/days"
KEY_RETENTION_PER_TASK = "retention/per_task"
KEY_NOTIFY_FAILURE = "notify/on_failure"
KEY_NOTIFY_RECOVERY = "notify/on_recovery"
KEY_NOTIFY_FINISH = "notify/on_finish"
KEY_CLOSE_TO_TRAY = "window/close_to_tray"
KEY_THEME = "ui/theme"
KEY_ALERT_SLOW = "alerts/slow_run"
KEY_ALERT_RATE = "alerts/success_rate_below"  # percent; 0 = no alert
KEY_ALERT_WINDOW = "alerts/window_runs"

DEFAULTS: dict[str, object] = {
    KEY_RETENTION_DAYS: 0,  # 0 = keep forever
    KEY_RETENTION_PER_TASK: 0,
    KEY_NOTIFY_FAILURE: True,
    KEY_NOTIFY_RECOVERY: True,
    KEY_NOTIFY_FINISH: False,
    KEY_CLOSE_TO_TRAY: True,
    KEY_THEME: "system",
    KEY_ALERT_SLOW: True,
    KEY_ALERT_RATE: 80,
    KEY_ALERT_WINDOW: 20,
}


def setting_bool(settings: QSettings, key: str) -> bool:
    """QSettings gives back "true"/"false" strings from INI files: normalise."""
    value = settings.value(key, DEFAULTS.get(key, False))
    return value in (True, "true", "1", 1)


def setting_int(settings: QSettings, key: str, default: int = 0) -> int:
    value: object = settings.value(key, DEFAULTS.get(key, default))
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


def theme_mode(settings: QSettings) -> str:
    mode = str(settings.value(KEY_THEME, "system"))
    return mode if mode in THEME_MODES else "system"
