"""Theme, status colours, in-window notifications and the tray menu, as a user meets them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QLabel,
    QMainWindow,
    QRadioButton,
    QStyle,
    QStyleOptionButton,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunStatus
from taskrun_gui.resources import app_icon
from taskrun_gui.ui.notification_banner import NotificationBanner
from taskrun_gui.ui.notifications import Notifier
from taskrun_gui.ui.theme import apply_theme, build_palette, is_dark, status_color
from taskrun_gui.ui.tray import TrayIcon

Window = tuple[QWidget, NotificationBanner]

# The offscreen platform cannot size or raise windows and says so; that is not our warning.
pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support propagateSizeHints\(\)",
    r"This plugin does not support raise\(\)",
)


def _contrast(a: QColor, b: QColor) -> float:
    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())
        )

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.fixture
def restore_theme(qapp: QApplication) -> Iterator[QApplication]:
    yield qapp
    apply_theme(qapp, "light")


@pytest.fixture
def window(qtbot: QtBot) -> Window:
    host = QWidget()
    layout = QVBoxLayout(host)
    banner = NotificationBanner(host)
    layout.addWidget(banner)
    layout.addStretch(1)
    qtbot.addWidget(host)
    host.resize(640, 300)
    host.show()
    qtbot.waitExposed(host)
    return host, banner


# --- theme -----------------------------------------------------------------------------------


def test_dark_theme_gives_dark_window(restore_theme: QApplication, qtbot: QtBot) -> None:
    app = restore_theme
    apply_theme(app, "dark")
    widget = QWidget()
    qtbot.addWidget(widget)
    assert app.style().name().lower() == "fusion"
    assert widget.palette().color(QPalette.ColorRole.Window).lightness() < 60
    assert is_dark(widget.palette())

    apply_theme(app, "light")  # existing widgets update on the posted palette-change event
    qtbot.waitUntil(lambda: not is_dark(widget.palette()))
    assert widget.palette().color(QPalette.ColorRole.Window).lightness() > 200


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_an_unchecked_box_has_a_border_one_can_see(
    restore_theme: QApplication, qtbot: QtBot, mode: str
) -> None:
    """The outline of an empty check box (and radio button) stands out from the window at
    3:1 at least; in the dark theme Fusion's own outline was the window colour, darker."""
    apply_theme(restore_theme, mode)
    host = QWidget()
    layout = QVBoxLayout(host)
    boxes = [QCheckBox("When any run finishes"), QRadioButton("Every day")]
    for box in boxes:
        layout.addWidget(box)
    qtbot.addWidget(host)
    host.show()
    qtbot.waitExposed(host)
    window = host.palette().color(QPalette.ColorRole.Window)
    elements = (QStyle.SubElement.SE_CheckBoxIndicator, QStyle.SubElement.SE_RadioButtonIndicator)
    for box, element in zip(boxes, elements, strict=True):
        option = QStyleOptionButton()
        option.initFrom(box)
        rect = box.style().subElementRect(element, option, box)
        image = box.grab().toImage()
        middle = rect.center().y()
        edge = [
            image.pixelColor(x, middle) for x in range(max(rect.left() - 1, 0), rect.left() + 3)
        ]
        best = max(_contrast(c, window) for c in edge)
        assert best >= 3.0, (mode, type(box).__name__, [c.name() for c in edge], window.name())


def test_system_theme_follows_style_hints(restore_theme: QApplication) -> None:
    app = restore_theme
    apply_theme(app, "system")
    expect_dark = app.styleHints().colorScheme() == Qt.ColorScheme.Dark
    assert is_dark(app.palette()) == expect_dark
    apply_theme(app, "system")  # applying twice must not stack listeners
    apply_theme(app, "light")
    assert not is_dark(app.palette())


def test_system_theme_reacts_to_scheme_change(restore_theme: QApplication, qtbot: QtBot) -> None:
    app = restore_theme
    hints = app.styleHints()
    apply_theme(app, "system")
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert is_dark(app.palette())
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert not is_dark(app.palette())

    apply_theme(app, "dark")  # an explicit choice stops following the desktop
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert is_dark(app.palette())


def test_unknown_theme_mode_is_refused(qapp: QApplication) -> None:
    with pytest.raises(ValueError):
        apply_theme(qapp, "sepia")


@pytest.mark.parametrize("dark", [False, True])
def test_status_colours_are_distinct_and_readable(dark: bool) -> None:
    palette = build_palette(dark)
    colours = {status: status_color(status, dark) for status in RunStatus}
    assert status_color("success", dark) != status_color("failed", dark)
    assert len({c.name() for c in colours.values()}) == len(RunStatus)
    for status, colour in colours.items():
        for role in (QPalette.ColorRole.Base, QPalette.ColorRole.Window):
            ratio = _contrast(colour, palette.color(role))
            assert ratio >= 4.5, f"{status} on {role.name}: {ratio:.2f}"


# --- in-window notifications ------------------------------------------------------------------


def test_without_tray_notify_shows_banner_text(window: Window, qtbot: QtBot) -> None:
    _host, banner = window
    assert not QSystemTrayIcon.isSystemTrayAvailable()
    tray = TrayIcon()
    notifier = Notifier(banner, tray.system_tray_icon)
    assert not notifier.uses_tray()

    with qtbot.waitSignal(notifier.notified) as blocker:
        notifier.notify("backup finished", "exit code 0 in 12 s", "info", run_uid="r-1")
    assert blocker.args == ["backup finished", "exit code 0 in 12 s", "info"]

    assert banner.isVisible()
    [message] = banner.messages()
    assert message.isVisible()
    assert message.title_label.text() == "backup finished"
    assert message.message_label.text() == "exit code 0 in 12 s"
    assert message.show_link is not None and message.show_link.isVisible()
    assert [n.title for n in notifier.history()] == ["backup finished"]


def test_message_text_is_not_interpreted_as_html(window: Window) -> None:
    _host, banner = window
    Notifier(banner).notify("x", "<b>1 < 2</b>", "warning")
    assert banner.messages()[0].message_label.text() == "<b>1 < 2</b>"
    assert banner.messages()[0].show_link is None


def test_clicking_show_emits_activated_with_run_uid(window: Window, qtbot: QtBot) -> None:
    _host, banner = window
    notifier = Notifier(banner)
    notifier.notify("nightly failed", "exit code 2", "error", run_uid="run-42")
    link = banner.messages()[0].show_link
    assert link is not None

    with qtbot.waitSignal(notifier.activated) as blocker:
        QTest.mouseClick(link, Qt.MouseButton.LeftButton, pos=_link_point(link))
    assert blocker.args == ["run-42"]
    qtbot.waitUntil(lambda: not banner.isVisible())


def _link_point(label: QLabel) -> QPoint:
    # The label holds only the link; aim at the middle of its text.
    text_width = label.fontMetrics().horizontalAdvance("Show")
    return QPoint(label.contentsRect().left() + text_width // 2, label.height() // 2)


def test_long_message_does_not_widen_the_window(window: Window) -> None:
    host, banner = window
    Notifier(banner).notify("log", "x" * 5000)
    assert banner.messages()[0].message_label.text() == "x" * 5000
    assert host.minimumSizeHint().width() < 640


def test_close_button_dismisses(window: Window, qtbot: QtBot) -> None:
    _host, banner = window
    Notifier(banner).notify("a", "b")
    QTest.mouseClick(banner.messages()[0].close_button, Qt.MouseButton.LeftButton)
    assert banner.messages() == []
    assert not banner.isVisible()


def test_at_most_three_stacked_newest_first(window: Window) -> None:
    _host, banner = window
    notifier = Notifier(banner)
    for i in range(5):
        notifier.notify(f"run {i}", "done")
    shown = banner.messages()
    assert [m.title_label.text() for m in shown] == ["run 4", "run 3", "run 2"]
    assert all(m.isVisible() for m in shown)
    assert len(notifier.history()) == 5


def test_history_keeps_last_fifty(window: Window) -> None:
    _host, banner = window
    notifier = Notifier(banner)
    for i in range(60):
        notifier.notify(f"n{i}", "m")
    history = notifier.history()
    assert len(history) == 50
    assert history[0].title == "n10" and history[-1].title == "n59"


def test_messages_hide_after_timeout(qtbot: QtBot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    banner = NotificationBanner(host, timeout_ms=30)
    host.show()
    banner.show_message("quick", "gone soon")
    assert banner.isVisible()
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=2000)
    assert banner.messages() == []


def test_destroying_banner_destroys_its_timers(qtbot: QtBot) -> None:
    banner = NotificationBanner()
    banner.show_message("t", "m")
    [timer] = banner.messages()[0].findChildren(QTimer)
    assert timer.isActive()
    with qtbot.waitSignal(timer.destroyed):
        banner.deleteLater()


def test_unknown_level_is_refused(window: Window) -> None:
    _host, banner = window
    with pytest.raises(ValueError):
        Notifier(banner).notify("t", "m", "fatal")


# --- tray --------------------------------------------------------------------------------------


def test_tray_is_safe_without_a_system_tray(qtbot: QtBot) -> None:
    win = QMainWindow()
    qtbot.addWidget(win)
    tray = TrayIcon(win, task_names=lambda: ["backup", "deploy"])
    assert tray.available is False
    assert tray.show() is False
    assert not tray.system_tray_icon.isVisible()

    tray.set_counts(2, 5)
    assert "2 running, 5 queued" in tray.tool_tip()


def test_tray_menu_runs_tasks_pauses_and_quits(qtbot: QtBot) -> None:
    win = QMainWindow()
    qtbot.addWidget(win)
    tray = TrayIcon(win, task_names=lambda: ["backup", "deploy"])

    tray.refresh_task_menu()
    actions = {a.text(): a for a in tray.run_menu.actions()}
    assert list(actions) == ["backup", "deploy"]
    with qtbot.waitSignal(tray.run_requested) as blocker:
        actions["deploy"].trigger()
    assert blocker.args == ["deploy"]

    with qtbot.waitSignal(tray.queue_paused_changed) as blocker:
        tray.pause_action.trigger()
    assert blocker.args == [True]
    with qtbot.assertNotEmitted(tray.queue_paused_changed):
        tray.set_queue_paused(False)
    assert not tray.pause_action.isChecked()

    with qtbot.waitSignal(tray.quit_requested):
        tray.quit_action.trigger()


def test_tray_toggles_window_and_lists_no_tasks(qtbot: QtBot) -> None:
    win = QMainWindow()
    qtbot.addWidget(win)
    tray = TrayIcon(win, task_names=list)
    tray.refresh_task_menu()
    [placeholder] = tray.run_menu.actions()
    assert placeholder.text() == "No tasks" and not placeholder.isEnabled()

    tray.toggle_window_action.trigger()
    qtbot.waitExposed(win)
    assert win.isVisible()
    tray.toggle_window_action.trigger()
    assert not win.isVisible()


def test_app_icon_has_every_size() -> None:
    icon = app_icon()
    assert not icon.isNull()
    sizes = {s.width() for s in icon.availableSizes()}
    assert {16, 32, 48, 64, 128, 256} <= sizes
