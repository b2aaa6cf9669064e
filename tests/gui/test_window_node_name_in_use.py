"""The window on a shared history whose node name another live host serves: it says why
in a message and ends (exit code 2) instead of serving; it recovers none of that host's
runs and starts nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from taskrun_gui import app as app_mod
from taskrun_gui.core import nodes
from taskrun_gui.engine.command_socket import CommandListener
from taskrun_gui.executor.host import Host
from taskrun_gui.storage.db import Store
from tests.e2e.node_machines import beating_elsewhere


def test_the_window_refuses_to_serve_a_name_in_use(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, qtbot
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(nodes.ENV, "gamma")
    monkeypatch.setenv(nodes.LEASE_ENV, "2")
    told: list[str] = []
    ended: list[int] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text: told.append(text))
    monkeypatch.setattr(QApplication, "exit", lambda code=0: ended.append(code))
    data = tmp_path / "data"
    with beating_elsewhere(data, pg_url, "gamma", pid=777):
        store = Store(data, pg_url).open()
        host = Host(store, workers=1)
        window = QWidget()
        qtbot.addWidget(window)
        try:
            listeners: list[CommandListener] = []
            app_mod.serve(host, window, listeners)  # type: ignore[arg-type]
            qtbot.waitUntil(lambda: bool(ended), timeout=20_000)  # the claim on its thread
            assert listeners == [] and not host.executor.serving
        finally:
            host.close()
            store.close()
    assert told == [
        "node gamma is already served by process 777 on another machine; give this host a "
        "name of its own: --node NAME or $TASKRUN_NODE"
    ]
    assert ended == [2]
