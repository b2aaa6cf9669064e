"""The Hosts dialog (File → Hosts…) against the real sshd: add with the key asked about,
test (reachability and OS in the table), tags; a key the user does not trust adds nothing."""

from __future__ import annotations

import os

from taskrun_gui.core.hosts import HostDef
from taskrun_gui.ui.hosts.hosts_dialog import HostsDialog
from tests.helpers import app_context


def _cell(dlg: HostsDialog, row: int, col: int) -> str:
    item = dlg.table.item(row, col)
    return "" if item is None else item.text()


def _host(server) -> HostDef:
    user = "root" if os.geteuid() == 0 else None
    return HostDef("web1", "127.0.0.1", user, server.port, str(server.client_key), ["web"])


def test_add_test_and_tag_a_host_in_the_window(qtbot, tmp_path, ssh_server, ssh_home, monkeypatch):
    monkeypatch.setenv("HOME", str(ssh_home))
    asked: list[str] = []
    with app_context(tmp_path) as ctx:
        dlg = HostsDialog(ctx)
        qtbot.addWidget(dlg)
        monkeypatch.setattr(dlg, "confirm_key", lambda host, fp: asked.append(fp) or True)
        qtbot.waitUntil(lambda: dlg.table.rowCount() == 0 and dlg.hosts == [])
        dlg.add_host(_host(ssh_server))
        qtbot.waitUntil(lambda: dlg.table.rowCount() == 1, timeout=20_000)
        assert [_cell(dlg, 0, c) for c in range(4)] == [
            "web1",
            f"{_host(ssh_server).target}",
            "web",
            "untested",
        ]
        assert len(asked) == 1 and asked[0].startswith("ssh-ed25519 SHA256:")
        assert dlg.selected() is not None and dlg.test_button.isEnabled()
        dlg.test_button.click()
        qtbot.waitUntil(lambda: _cell(dlg, 0, 3).startswith("reachable, "), timeout=30_000)
        assert "Linux" in _cell(dlg, 0, 4)
        dlg.set_tags(dlg.hosts[0], "web, prod")
        qtbot.waitUntil(lambda: _cell(dlg, 0, 2) == "web, prod")
        dlg.set_tags(dlg.hosts[0], "no/good")
        assert "tag 'no/good'" in dlg.status.text()


def test_an_untrusted_key_adds_nothing(qtbot, tmp_path, ssh_server, ssh_home, monkeypatch):
    monkeypatch.setenv("HOME", str(ssh_home))
    with app_context(tmp_path) as ctx:
        dlg = HostsDialog(ctx)
        qtbot.addWidget(dlg)
        monkeypatch.setattr(dlg, "confirm_key", lambda host, fp: False)
        dlg.add_host(_host(ssh_server))
        qtbot.waitUntil(lambda: "not added" in dlg.status.text(), timeout=20_000)
        with qtbot.waitSignal(dlg.loaded):
            dlg.reload()
        assert dlg.table.rowCount() == 0


def test_a_host_that_never_answers_does_not_hold_up_the_windows_reads(
    qtbot, tmp_path, ssh_server, ssh_home, monkeypatch
):
    from tests.e2e.remote.proxy import Proxy

    monkeypatch.setenv("HOME", str(ssh_home))
    silent = Proxy(ssh_server.port).start()  # accepts, never forwards
    key = ssh_server.host_key.with_suffix(".pub").read_text().strip()
    host = HostDef("mute", "127.0.0.1", _host(ssh_server).user, silent.port, None, [], key)
    try:
        with app_context(tmp_path) as ctx:
            dlg = HostsDialog(ctx)
            qtbot.addWidget(dlg)
            dlg.add_host(host)  # reading its key hangs
            dlg.test_host(host)  # and so does its test login
            qtbot.waitUntil(lambda: silent.accepted >= 1, timeout=10_000)  # (the pool: one)
            got: list[int] = []
            ctx.query.read(lambda: 42, got.append)  # a History or Trends read meanwhile
            qtbot.waitUntil(lambda: got == [42], timeout=10_000)
            assert dlg.status.text() == "Testing mute…"  # the host tests still hang
            with qtbot.waitSignal(dlg.loaded, timeout=60_000):  # the test's failure recorded
                silent.stop()  # both fail now, before the window goes
    finally:
        silent.stop()
