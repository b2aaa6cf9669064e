"""What every tab gets: the store, the writer, the executor, the query runner, settings, and
the change hub every view learns about run changes from. Built once in app.py (the
composition root)."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QSettings

from taskrun_gui.executor.executor import Executor
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import StoreWriter
from taskrun_gui.ui.change_hub import ChangeHub
from taskrun_gui.ui.query import QueryRunner


@dataclass
class AppContext:
    store: Store
    writer: StoreWriter
    executor: Executor
    query: QueryRunner
    settings: QSettings
    hub: ChangeHub = field(init=False)

    def __post_init__(self) -> None:
        self.hub = ChangeHub(self.executor, self.writer)
        self.hub.follow_store(self.store)
