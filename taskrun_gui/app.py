"""The composition root: parse the command line, open the store, become the host of the data
dir (or find the daemon that is), build the context and the window, and shut down in order.

One window per data dir (single_instance.py): a later launch asks the first to come to the
front and exits.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from PySide6.QtGui import QWindow
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from taskrun_gui import qt_gc
from taskrun_gui.core import nodes
from taskrun_gui.engine.command_socket import CommandListener
from taskrun_gui.engine.node_names import NodeNameInUse
from taskrun_gui.executor.host import Host
from taskrun_gui.resources import app_icon
from taskrun_gui.single_instance import SingleInstance
from taskrun_gui.storage import db_setting, db_url
from taskrun_gui.storage.db import Store, open_store, resolve_data_dir
from taskrun_gui.storage.migrations import SchemaTooNewError
from taskrun_gui.ui import settings_dialog as cfg
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.main_window import MainWindow
from taskrun_gui.ui.query import QueryRunner
from taskrun_gui.ui.theme import apply_theme


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="taskrun-gui", description="TaskRun desktop window")
    parser.add_argument(
        "--data-dir", help="data folder (default: $TASKRUN_HOME or the platform's user data folder)"
    )
    parser.add_argument("--workers", type=int, help="how many runs may go at once")
    parser.add_argument(
        "--db",
        type=db_url.argument,
        metavar="URL",
        help="keep the history in PostgreSQL (see taskrun --help)",
    )
    parser.add_argument(
        "--node",
        type=nodes.argument,
        metavar="NAME",
        help="this host's node name (see taskrun --help)",
    )
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
        return open_store(data_dir)
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
    data_dir = resolve_data_dir(args.data_dir)
    db_url.use(db_setting.at_start(data_dir, args.db))  # --db, $TASKRUN_DB, then Settings
    if args.node:
        os.environ[nodes.ENV] = args.node
    if (lease := nodes.lease_problem()) is not None:
        print(f"taskrun: {lease}", file=sys.stderr)
        return 2
    app = _make_app()
    instance = SingleInstance(data_dir)
    if not instance.claim():  # another window has this data dir: it was asked to come forward
        return instance.exit_code
    store = _open_store(data_dir)
    if store is None:
        return 1
    settings = QSettings()
    cfg.migrate_policy(settings, data_dir)  # retention and alerts are the data dir's now
    workers = args.workers or cfg.setting_int(settings, cfg.KEY_WORKERS) or None
    host = Host(store, workers)
    query = QueryRunner(store, host.writer)
    ctx = AppContext(store, host.writer, host.executor, query, settings)
    apply_theme(app, cfg.theme_mode(settings))
    window = MainWindow(ctx)
    if store.open_error:
        window.statusBar().showMessage(store.open_error)
    instance.raise_requested.connect(window.bring_to_front)
    window.quit_requested.connect(app.quit)
    app.setQuitOnLastWindowClosed(False)  # closing may mean "to the tray"; quit is explicit
    window.show()
    # the window is painted first: serving starts with recovering what a dead host left,
    # which can take seconds (stopping its process trees)
    commands: list[CommandListener] = []  # answering `taskrun run`/`runs` while it serves
    when_painted(window, lambda: commands.extend(serve(host, window)))
    try:
        return app.exec()
    finally:
        instance.stop_listening()
        for listener in commands:  # before the host lets go: a call then does it itself
            listener.stop()
        shut_down(window, host.close)
        ctx.hub.close()
        query.wait_idle()
        store.close()
        instance.close()


class _FirstExpose(QObject):
    def __init__(self, window: QWindow, then: Callable[[], None]) -> None:
        super().__init__(window)
        self._then = then
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        exposed = isinstance(watched, QWindow) and watched.isExposed()
        if event.type() == QEvent.Type.Expose and exposed:  # painted as it is handled
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._then)
        return False


def when_painted(window: QWidget, then: Callable[[], None]) -> None:
    """Call `then` once the shown window has been painted on screen."""
    handle = window.windowHandle()
    if handle is None or handle.isExposed():
        QTimer.singleShot(0, then)
    else:
        _FirstExpose(handle, then)


def serve(host: Host, window: MainWindow) -> list[CommandListener]:
    """Serve the data dir (its engine host also keeps it clean: retention), with its command
    socket for thin `taskrun` calls; or follow the process that serves it and say so."""
    try:
        serving = host.try_serve()
    except NodeNameInUse as exc:  # another live host has this node's name: nothing to do
        QMessageBox.critical(window, "TaskRun cannot serve", str(exc))
        QApplication.exit(2)
        return []
    if serving:
        from taskrun_gui.cli.thin_host import listen

        listener = listen(host.store)
        return [] if listener is None else [listener]
    host.become_client()
    pid = host.served_by
    window.set_host_note(f"Runs are executed by taskrun daemon (pid {pid if pid else '?'})")
    return []


def shut_down(window: MainWindow, close_host: Callable[[], None]) -> None:
    """Hide the window, then close the host: that waits for the runs in flight to stop
    (seconds, up to 20 with a stubborn process tree), and a visible window would hang."""
    window.shutdown()
    close_host()
