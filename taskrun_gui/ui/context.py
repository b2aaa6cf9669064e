"""What every tab gets: the store, the writer, the executor, the query runner, settings and
the notifier. Built once in app.py (the composition root)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings

from taskrun_gui.executor.executor import Executor
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import StoreWriter
from taskrun_gui.ui.query import QueryRunner


@dataclass
class AppContext:
    store: Store
    writer: StoreWriter
    executor: Executor
    query: QueryRunner
    settings: QSettings
