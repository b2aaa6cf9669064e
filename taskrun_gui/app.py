"""The composition root: parse the command line, open the store, become the host of the data
dir (or find the daemon that is), build the context and the window, and shut down in order.

One window per data dir: a second launch finds the first through a QLocalServer named after
the data dir, asks it to come to the front, and exits.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QApplication, QMessageBox

from taskrun_gui import qt_gc
from taskrun_gui.engine.locks import host_pid
from taskrun_gui.executor.host import Host
from taskrun_gui.resources import app_icon
from taskrun_gui.storage.db import Store, resolve_data_dir
from taskrun_gui.storage.migrations import SchemaTooNewError
from taskrun_gui.ui import settings_dialog as cfg
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.main_window import MainWindow
from taskrun_gui.ui.query import QueryRunner
from taskrun_gui.ui.retention_job import RetentionJob
from taskrun_gui.ui.theme import apply_theme

RAISE_MESSAGE = b"raise"
CONNECT_TIMEOUT_MS = 500


def instance_server_name(data_dir: Path) -> str:
    """A local-socket name per user and data dir (two data dirs may run side by side)."""
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:16]
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "")
    return f"taskrun-{user}-{digest}"


def ask_running_instance(name: str) -> bool:
    """True when another window serves `name`; it has been asked to come to the front."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return False
    socket.write(RAISE_MESSAGE + b"\n")
    socket.flush()
    socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
    socket.disconnectFromServer()
    return True


class InstanceServer(QObject):
    """Listens for later launches; emits raise_requested when one asks for the window."""

    raise_requested = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.server = QLocalServer(self)
        self.server.newConnection.connect(self._on_server_new_connection)

    def listen(self) -> bool:
        if not self.server.listen(self.name):
            QLocalServer.removeServer(self.name)  # a stale socket file left by a crash
            return self.server.listen(self.name)
        return True

    def close(self) -> None:
        self.server.close()

    def _on_server_new_connection(self) -> None:
        # Each socket is a child of the server and goes with it; a launch is rare, so they
        # are not deleted one by one (deleteLater on them raced the server's own clean-up).
        while (socket := self.server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._on_socket_ready_read(s))
            if socket.bytesAvailable():
                self._on_socket_ready_read(socket)

    def _on_socket_ready_read(self, socket: QLocalSocket) -> None:
        if RAISE_MESSAGE in bytes(socket.readAll().data()):
            self.raise_requested.emit()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="taskrun-gui", description="TaskRun desktop window")
    parser.add_argument("--data-dir", help="data folder (default: $TASKRUN_HOME or the "
                        "platform's user data folder)")  # fmt: skip
    parser.add_argument("--workers", type=int, help="how many runs may go at once")
    return parser.parse_args(argv)


def _make_app() -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("TaskRun")
    app.setOrganizationName("TaskRun")
    app.setDesktopFileName("taskrun-gui")
    app.setWindowIcon(app_icon())
    qt_gc.install(app)
    return app


def _open_store(data_dir: Path) -> Store | None:
    """The opened store, or None after telling the user why it cannot be opened."""
    try:
        return Store(data_dir).open()
    except SchemaTooNewError as exc:
        message = (
            f"The history in {data_dir} was written by a newer TaskRun.\n\n{exc}\n\n"
            "Update TaskRun, or start it with another --data-dir."
        )
    except Exception as exc:
        message = f"TaskRun cannot open its data folder {data_dir}:\n\n{exc}"
    QMessageBox.critical(None, "TaskRun cannot start", message)
    return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    app = _make_app()
    data_dir = resolve_data_dir(args.data_dir)
    name = instance_server_name(data_dir)
    if ask_running_instance(name):
        return 0
    store = _open_store(data_dir)
    if store is None:
        return 1
    settings = QSettings()
    workers = args.workers or cfg.setting_int(settings, cfg.KEY_WORKERS) or None
    host = Host(store, workers)
    serving = host.try_serve()
    note = None
    if not serving:
        host.become_client()
        pid = host_pid(store.locks_dir)
        note = f"Runs are executed by taskrun daemon (pid {pid if pid else '?'})"
    query = QueryRunner(store, host.writer)
    ctx = AppContext(store, host.writer, host.executor, query, settings)
    apply_theme(app, cfg.theme_mode(settings))
    window = MainWindow(ctx, serving=serving, host_note=note)
    if store.open_error:
        window.statusBar().showMessage(store.open_error)
    retention_job = RetentionJob(ctx)
    if serving:  # one process cleans a data dir: the one that serves it
        retention_job.start()
    server = InstanceServer(name)
    server.listen()
    server.raise_requested.connect(window.bring_to_front)
    window.quit_requested.connect(app.quit)
    app.setQuitOnLastWindowClosed(False)  # closing may mean "to the tray"; quit is explicit
    window.show()
    try:
        return app.exec()
    finally:
        retention_job.stop()
        server.close()
        window.shutdown()
        host.close()
        query.wait_idle()
        store.close()
