"""Session-wide test settings: offscreen Qt, and no test may leave a child process behind."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TASKRUN_KILL_GRACE", "1.0")

from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import StoreWriter
from tests import pg_server
from tests.e2e.receivers import HttpReceiver, MailHandler, free_port, start_http


def pytest_configure(config: pytest.Config) -> None:
    """Compile taskrun_gui's bytecode once, before any test: the suite starts well over a
    thousand `python -m taskrun_gui.cli` (and daemon, watchdog) processes, and under
    $PYTHONDONTWRITEBYTECODE (set on the shared machine) none of them writes what it
    compiled, so each compiled every module it imports again. Python reads the .pyc files
    all the same (they are checked against the sources' mtime and size, so a stale one is
    never used); __pycache__ is ignored by git. Up-to-date files are skipped, and a file is
    written atomically, so xdist workers doing this at once are harmless."""
    del config
    import compileall

    import taskrun_gui

    compileall.compile_dir(Path(taskrun_gui.__file__).parent, quiet=2, force=False)


@pytest.fixture(scope="session", autouse=True)
def _gc_on_the_main_thread(qapp):
    """As in the app: collect garbage on the Qt main thread only (see taskrun_gui.qt_gc)."""
    from taskrun_gui import qt_gc

    guard = qt_gc.install(qapp)
    yield
    guard.check()


@pytest.fixture(autouse=True)
def _no_stray_threads() -> Iterator[None]:
    """Fail a test that leaves one of our threads (writer, poller, watcher) running."""
    import threading

    before = set(threading.enumerate())
    yield
    left = [
        t
        for t in threading.enumerate()
        if t not in before and t.name.startswith("taskrun-") and t.is_alive()
    ]
    for t in left:
        t.join(2)
    still = [t.name for t in left if t.is_alive()]
    if still:
        pytest.fail(f"test left threads running: {still}")


@pytest.fixture(autouse=True)
def _no_stray_children() -> Iterator[None]:
    """Fail a test that leaves a child process of this interpreter running."""
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    yield
    left = [p for p in me.children(recursive=True) if p.pid not in before]
    alive = []
    for p in left:
        try:
            if p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p)
        except psutil.NoSuchProcess:
            pass
    if alive:
        _, still = psutil.wait_procs(alive, timeout=3)
        for p in still:
            p.kill()
        if still:
            pytest.fail(f"test left child processes running: {[p.pid for p in still]}")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A real store (SQLite file, logs, locks) in the test's tmp_path."""
    s = Store(tmp_path / "data").open()
    yield s
    s.close()


@pytest.fixture
def writer(store: Store) -> Iterator[StoreWriter]:
    """The store's serialized writer, retrying a refusing store every 0.1 s."""
    w = StoreWriter(store, retry_interval=0.1)
    yield w
    w.close()


@pytest.fixture(scope="session")
def http_receiver() -> Iterator[HttpReceiver]:
    """An HTTP server on 127.0.0.1 recording POSTs, for the whole session."""
    rec, server = start_http()
    yield rec
    for event in rec.hold.values():
        event.set()
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def smtp_receiver() -> Iterator[tuple[MailHandler, int]]:
    """An SMTP server (aiosmtpd) on 127.0.0.1 recording mail; it takes any login."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    handler = MailHandler()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=lambda *_a: AuthResult(success=True),
        auth_require_tls=False,
    )
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture(scope="session", autouse=True)
def _pg_started_first() -> Iterator[pg_server.PgServer | None]:
    """The session's PostgreSQL server (tests/pg_server.py), started before any test: once
    a test has run a task in this process, the process is a child subreaper (as a host is),
    and a server started then would be its orphan, taken for a run's escaped process and
    stopped. None when PostgreSQL is not installed here."""
    server = pg_server.start_server()
    if server is None:
        yield None
        return
    old = os.environ.get("PGPASSFILE")
    os.environ["PGPASSFILE"] = str(server.pgpass)  # children (the CLI) log in the same way
    try:
        yield server
    finally:
        server.discard()
        if old is None:
            os.environ.pop("PGPASSFILE", None)
        else:
            os.environ["PGPASSFILE"] = old


@pytest.fixture
def pg(_pg_started_first: pg_server.PgServer | None) -> pg_server.PgServer:
    """The real PostgreSQL server of the session. Without PostgreSQL installed the test is
    skipped, unless under CI, where it must run ($CI set: .ci/run installs the package)."""
    if _pg_started_first is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL (initdb, pg_ctl) is not installed, and CI is set")
        pytest.skip("PostgreSQL is not installed here (no pg_ctl on $PATH or in /usr/lib)")
    return _pg_started_first


@pytest.fixture
def own_pg(pg: pg_server.PgServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[pg_server.PgServer]:
    """A server of this test's own, to stop and start again (not the session's; `pg` only
    for its skip rule), logged in to through its own pgpass file ($PGPASSFILE: this process
    and its children); its commits survive an immediate stop."""
    del pg
    server = pg_server.start_server(durable=True)
    assert server is not None
    monkeypatch.setenv("PGPASSFILE", str(server.pgpass))
    try:
        yield server
    finally:
        server.discard()


@pytest.fixture
def pg_url(pg: pg_server.PgServer) -> str:
    """The URL of an empty PostgreSQL history (its schema made anew for each test)."""
    pg.reset()
    return pg.url
