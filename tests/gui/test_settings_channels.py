"""The Channels page of Settings: add a channel (its URL's password never shown), the Test
button sending off the UI thread to a real receiver, a failed delivery shown, remove."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from taskrun_gui.storage import channels_store
from taskrun_gui.ui.settings_dialog import SettingsDialog
from tests.e2e.receivers import HttpReceiver, free_port
from tests.helpers import app_context

PASSWORD = "pa55-w0rd-gui"


def _table(dialog: SettingsDialog) -> list[list[str]]:
    t = dialog.channels.table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def test_add_test_and_remove_a_channel(
    qtbot: QtBot, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    with app_context(tmp_path) as ctx:
        dialog = SettingsDialog(ctx)
        qtbot.addWidget(dialog)
        page = dialog.channels
        dialog.pages.setCurrentWidget(page)
        dialog.show()
        qtbot.waitSignal(page.changed, timeout=10_000).wait()  # the first list
        page.name.setText("hook")
        page.url.setText(http_receiver.url("/gui", auth=f"me:{PASSWORD}@"))
        page.events.setText("failure,late")
        with qtbot.waitSignal(page.changed, timeout=10_000):
            page.add_button.click()
        assert _table(dialog) == [
            ["hook", f"json://me:****@127.0.0.1:{http_receiver.port}/gui", "failure,late", "—"]
        ]
        assert channels_store.load(ctx.store.data_dir)["hook"].events == {"failure", "late"}
        page.table.selectRow(0)
        with qtbot.waitSignal(page.tested, timeout=30_000) as told:
            page.test_button.click()
            # sending, off the UI thread: the click returned before the answer
            assert page.status.text() == "Sending a test message to hook…"
            assert not page.test_button.isEnabled()
        assert told.args == ["hook: test delivered"]
        assert [p.json()["title"] for p in http_receiver.at("/gui")] == ["TaskRun test"]
        qtbot.waitUntil(lambda: _table(dialog)[0][3].startswith("ok "), timeout=10_000)
        with qtbot.waitSignal(page.changed, timeout=10_000):
            page.remove_button.click()
        assert _table(dialog) == [] and channels_store.load(ctx.store.data_dir) == {}
        ctx.query.wait_idle()


def test_a_failed_test_is_shown_and_bad_input_told(qtbot: QtBot, tmp_path: Path) -> None:
    with app_context(tmp_path) as ctx:
        dialog = SettingsDialog(ctx)
        qtbot.addWidget(dialog)
        page = dialog.channels
        qtbot.waitSignal(page.changed, timeout=10_000).wait()  # the first list
        page.name.setText("bad name")
        page.url.setText("json://127.0.0.1/x")
        page.add_button.click()
        bad_name = "channel name 'bad name': must be"
        qtbot.waitUntil(lambda: page.status.text().startswith(bad_name), timeout=10_000)
        page.name.setText("down")
        page.url.setText(f"json://127.0.0.1:{free_port()}/x")
        with qtbot.waitSignal(page.changed, timeout=10_000):
            page.add_button.click()
        page.table.selectRow(0)
        with qtbot.waitSignal(page.tested, timeout=30_000) as told:
            page.test_button.click()
        assert told.args[0].startswith("down: not delivered:")
        qtbot.waitUntil(lambda: _table(dialog)[0][3].startswith("failed "), timeout=10_000)
        assert page.table.item(0, 3).foreground().color().name() == "#dc2626"
        ctx.query.wait_idle()
