"""Several notifications at once: one area over the window's corner that pushes nothing
down, a count of what was pushed out, and a history the user can open from the status bar."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from taskrun_gui.ui.main_window import MainWindow
from tests.gui.test_main_window import ctx, window  # noqa: F401


def test_three_notices_push_nothing_down_and_the_history_opens(
    qtbot: QtBot,
    window: MainWindow,  # noqa: F811
) -> None:
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024)
    tabs_top = window.tabs.mapTo(window, window.tabs.rect().topLeft()).y()
    tabs_height = window.tabs.height()
    assert not window.notifier.uses_tray()
    for i in range(5):
        window.notifier.notify(f"run {i} failed", f"exit code {i}", "error", f"uid-{i}")
    qtbot.waitUntil(lambda: len(window.banner.messages()) == 3)
    assert window.tabs.mapTo(window, window.tabs.rect().topLeft()).y() == tabs_top
    assert window.tabs.height() == tabs_height  # the window's content is not pushed down
    banner = window.banner.geometry()
    central = window.centralWidget().rect()
    assert central.contains(banner) and banner.right() > central.width() - 40  # the corner
    assert window.banner.more_label.isVisible()
    assert window.banner.more_label.text().startswith("+2 more")
    assert window.notification_button.text() == "5 new"

    window.banner.more_label.linkActivated.emit("history")
    center = window.notification_button.center
    assert center is not None and center.isVisible()
    texts = [center.list.item(r).text() for r in range(center.list.count())]
    assert [t.split("\n")[0][10:] for t in texts] == [f"run {i} failed" for i in range(4, -1, -1)]
    assert window.notification_button.text() == "Notifications"  # seen
    with qtbot.waitSignal(window.notifier.activated) as shown:
        center.list.itemActivated.emit(center.list.item(4))
    assert shown.args == ["uid-0"]
