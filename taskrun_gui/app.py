"""The composition root: parse the command line, become the window of the data dir, show
it, then open the store (on a worker, with the modules behind it), become the host of the data
dir (or find the daemon that is), build the context, attach the window, and shut down in order.

The window shows before anything touches the database: importing the engine and storage and
opening a big history take a few hundred milliseconds, and the window says meanwhile that it
is opening the history (MainWindow without a context). One window per data dir
(single_instance.py): a later launch asks the first to come to the front and exits.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer, Signal
from PySide6.QtGui import QWindow
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from taskrun_gui import qt_gc
from taskrun_gui.core import nodes
from taskrun_gui.resources import app_icon
from taskrun_gui.single_instance import SingleInstance
from taskrun_gui.storage import db_url
from taskrun_gui.storage.data_dir import resolve_data_dir
from taskrun_gui.ui import settings_keys as cfg
from taskrun_gui.ui.main_window import MainWindow
from taskrun_gui.ui.theme import apply_theme

if TYPE_CHECKING:
    from taskrun_gui.engine.command_socket import CommandListener
    from taskrun_gui.executor.host import Host
    from taskrun_gui.storage.db import Store
    from taskrun_gui.ui.context import AppContext
    from taskrun_gui.ui.query import QueryRunner

# imported on the opening worker, so the UI thread finds them loaded when it builds on them
_BEHIND_THE_WINDOW = (
    "taskrun_gui.storage.db",
    "taskrun_gui.executor.host",
    "taskrun_gui.ui.context",
    "taskrun_gui.ui.query",
    "taskrun_gui.ui.window_parts",
    "taskrun_gui.ui.tasks.tasks_tab",
    "taskrun_gui.ui.settings_dialog",
    "taskrun_gui.ui.history.history_tab",  # where Run takes the user
    "taskrun_gui.cli.thin_host",
)


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
    opened = _try_open(data_dir)
    if isinstance(opened, str):
        _cannot_start(opened)
        return None
    return opened


def _try_open(data_dir: Path) -> Store | str:
    """The opened store, or what to tell the user about why it cannot be opened."""
    from taskrun_gui.storage.db import open_store
    from taskrun_gui.storage.migrations import SchemaTooNewError

    try:
        return open_store(data_dir)
    except SchemaTooNewError as exc:
        return (
            f"The history in {data_dir} was written by a newer TaskRun.\n\n{exc}\n\n"
            "Update TaskRun, or start it with another --data-dir."
        )
    except Exception as exc:
        return f"TaskRun cannot open its data folder {data_dir}:\n\n{exc}"


def _import_peewee_without_psycopg2() -> None:
    """peewee imports psycopg2 whenever it is installed: 9-10 MB resident (libpq and an
    OpenSSL of its own) in a window that never talks to a server, since the history it opens
    is chosen at start. Hidden from peewee's import only: imported later, it loads as usual
    (peewee's PostgreSQL driver then stays unset in this process, which opened SQLite)."""
    if "peewee" in sys.modules or "psycopg2" in sys.modules:
        return
    sys.modules["psycopg2"] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        import peewee  # noqa: F401
    finally:
        del sys.modules["psycopg2"]


def _cannot_start(message: str) -> None:
    QMessageBox.critical(None, "TaskRun cannot start", message)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data_dir = resolve_data_dir(args.data_dir)
    if args.node:
        os.environ[nodes.ENV] = args.node
    if (lease := nodes.lease_problem()) is not None:
        print(f"taskrun: {lease}", file=sys.stderr)
        return 2
    app = _make_app()
    instance = SingleInstance(data_dir)
    if not instance.claim():  # another window has this data dir: it was asked to come forward
        return instance.exit_code
    settings = QSettings()
    apply_theme(app, cfg.theme_mode(settings))
    window = MainWindow(settings=settings)  # "Opening the history…" until attached
    instance.raise_requested.connect(window.bring_to_front)
    window.quit_requested.connect(app.quit)
    app.setQuitOnLastWindowClosed(False)  # closing may mean "to the tray"; quit is explicit
    window.show()
    start = Startup(window, data_dir, args, settings)
    when_painted(window, start.begin)  # the imports behind it would hold up the first paint
    try:
        return app.exec()
    finally:
        instance.stop_listening()
        start.close()
        instance.close()


class Startup(QObject):
    """Opens the store on a worker (with the imports of what is built on it), then on the UI
    thread builds the host and the context, attaches the window and starts serving; closes
    them in order at the end, whatever was reached."""

    _opened = Signal()  # from the worker: self.opened is set

    def __init__(
        self, window: MainWindow, data_dir: Path, args: argparse.Namespace, settings: QSettings
    ) -> None:
        super().__init__(window)
        self.window, self.data_dir, self.args, self.settings = window, data_dir, args, settings
        self.opened: Store | str | None = None
        self.store: Store | None = None
        self.host: Host | None = None
        self.query: QueryRunner | None = None
        self.ctx: AppContext | None = None
        self.commands: list[CommandListener] = []  # answering `taskrun run`/`runs`
        self._thread = threading.Thread(target=self._open, name="taskrun-open", daemon=True)
        self._opened.connect(self._on_opened)  # queued: this object lives on the UI thread

    def begin(self) -> None:
        self._thread.start()

    def _open(self) -> None:
        """On the worker: the database chosen (--db, $TASKRUN_DB, then Settings), the
        modules imported, the store opened."""
        import importlib

        try:
            from taskrun_gui.storage import db_setting

            db_url.use(db_setting.at_start(self.data_dir, self.args.db))
            if db_url.from_env() is None:  # the data dir's SQLite file
                _import_peewee_without_psycopg2()
            for name in _BEHIND_THE_WINDOW:
                importlib.import_module(name)
            self.opened = _try_open(self.data_dir)
        except Exception as exc:  # a broken install: said, not a window opening for ever
            self.opened = f"TaskRun cannot start: {exc}"
        self._opened.emit()

    def _on_opened(self) -> None:
        from taskrun_gui.executor.host import Host
        from taskrun_gui.ui import settings_dialog
        from taskrun_gui.ui.context import AppContext
        from taskrun_gui.ui.query import QueryRunner

        if isinstance(self.opened, str):
            _cannot_start(self.opened)
            QApplication.exit(1)
            return
        store = self.store = self.opened
        assert store is not None
        settings = self.settings
        settings_dialog.migrate_policy(settings, self.data_dir)  # the data dir's policy now
        workers = self.args.workers or cfg.setting_int(settings, cfg.KEY_WORKERS) or None
        self.host = Host(store, workers)
        self.query = QueryRunner(store, self.host.writer)
        self.ctx = AppContext(store, self.host.writer, self.host.executor, self.query, settings)
        self.window.attach(self.ctx)
        if store.open_error:
            self.window.statusBar().showMessage(store.open_error)
        # serving starts with recovering what a dead host left (seconds, stopping its process
        # trees): on a thread of its own, started once the attached window is laid out, not
        # when it is next painted (a minimized window is not)
        host = self.host
        QTimer.singleShot(0, lambda: serve(host, self.window, self.commands))

    def close(self) -> None:
        """What was started, stopped in order (a store opened after quitting is closed)."""
        if self.host is None:  # quit while the store was opening: nothing runs yet
            self.window.shutdown()  # hidden first: the opening may take a moment to end
            if self._thread.is_alive():
                self._thread.join()
            if not isinstance(self.opened, str) and self.opened is not None:
                self.opened.close()
            return
        for listener in self.commands:  # before the host lets go: a call then does it itself
            listener.stop()
        shut_down(self.window, self.host.close)
        if self.ctx is not None:
            self.ctx.hub.close()
        if self.query is not None:
            self.query.wait_idle()
        if self.store is not None:
            self.store.close()


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


def serve(host: Host, window: MainWindow, commands: list[CommandListener]) -> None:
    """Serve the data dir (its engine host also keeps it clean: retention), with its command
    socket for thin `taskrun` calls (added to `commands`); or follow the process that serves
    it and say so. The claim (the node name's check, recovering what a dead host left) runs
    on a thread of its own: the window stays live meanwhile."""

    def served(serving: bool, refused: str | None) -> None:
        if refused is not None:  # another live host has this node's name: nothing to do
            QMessageBox.critical(window, "TaskRun cannot serve", refused)
            QApplication.exit(2)
        elif serving:
            from taskrun_gui.cli.thin_host import listen  # imported before: _BEHIND_THE_WINDOW

            listener = listen(host.store)
            commands.extend([] if listener is None else [listener])
        else:
            host.become_client()
            pid = host.served_by
            window.set_host_note(f"Runs are executed by taskrun daemon (pid {pid if pid else '?'})")

    host.serve_in_background(served)


def shut_down(window: MainWindow, close_host: Callable[[], None]) -> None:
    """Hide the window, then close the host: that waits for the runs in flight to stop
    (seconds, up to 20 with a stubborn process tree), and a visible window would hang."""
    window.shutdown()
    close_host()
