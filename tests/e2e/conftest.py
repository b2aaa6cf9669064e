from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from taskrun_gui.executor.service import ExecutorService
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import StoreWriter
from tests.e2e.disks import drop_fallbacks, small_fs


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
        drop_fallbacks(mnt)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB file system of the test's own."""
    with small_fs(tmp_path / "tiny", "1m") as mnt:
        yield mnt
