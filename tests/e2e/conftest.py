from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskrun_gui.executor.service import ExecutorService
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import StoreWriter
from tests.e2e.disks import fallback_root, small_fs
from tests.e2e.receivers import HttpReceiver, MailHandler, free_port, start_http


@pytest.fixture
def service(qapp, store: Store, writer: StoreWriter) -> Iterator[ExecutorService]:
    svc = ExecutorService(store, writer, workers=2, poll_interval=0.1)
    svc.start()
    yield svc
    svc.shutdown(cancel_running=True, timeout=10)
    svc.deleteLater()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB file system of the test's own."""
    with small_fs(tmp_path / "small", "4m") as mnt:
        yield mnt
        shutil.rmtree(fallback_root(), ignore_errors=True)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB file system of the test's own."""
    with small_fs(tmp_path / "tiny", "1m") as mnt:
        yield mnt


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
