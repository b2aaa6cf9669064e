from __future__ import annotations

from collections.abc import Iterator

import pytest

from taskrun_gui.executor.service import ExecutorService
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import StoreWriter


@pytest.fixture
def service(qapp, store: Store, writer: StoreWriter) -> Iterator[ExecutorService]:
    svc = ExecutorService(store, writer, workers=2, poll_interval=0.1)
    svc.start()
    yield svc
    svc.shutdown(cancel_running=True, timeout=10)
    svc.deleteLater()
