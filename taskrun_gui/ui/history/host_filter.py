"""The history's host filter: all hosts, or the runs on one (RunFilter.host, an indexed
condition). It stays hidden, and the table's Host column with it, until some run has a host:
a user who never runs anything on another machine sees the Logs tab as it always was."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QWidget

from taskrun_gui.core.models import RunRecord
from taskrun_gui.storage import hosts_repo
from taskrun_gui.storage.host_stats import run_hosts
from taskrun_gui.ui.query import QueryRunner

ALL_HOSTS = "All hosts"


def _read() -> list[str]:
    """The hosts runs were on and those of the inventory, by name (on a worker)."""
    return sorted(set(run_hosts()) | {h.name for h in hosts_repo.all_hosts()})


class HostFilter(QComboBox):
    host_changed = Signal()
    relevant_changed = Signal(bool)  # some run has a host: show the filter and the column

    def __init__(self, query: QueryRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("hostCombo")
        self.setToolTip("Only the runs on one host")
        self.setMinimumContentsLength(10)
        self._query = query
        self._ran_remote = False
        self.addItem(ALL_HOSTS, None)
        self.setVisible(False)
        self.currentIndexChanged.connect(self.host_changed)

    def reload(self) -> None:
        self._query.read(lambda: (run_hosts(), _read()), self._on_read, owner=self)

    def host(self) -> str | None:
        data = self.currentData()
        return data if isinstance(data, str) else None

    def set_host(self, host: str | None) -> None:
        if host is not None and self.findData(host) < 0:
            self.addItem(host, host)
        self.setCurrentIndex(max(0, self.findData(host)) if host else 0)

    def note_runs(self, recs: list[RunRecord]) -> None:
        """Runs the hub announced (before the store may have them): a first one on a host
        shows the filter and the column now."""
        hosts = sorted({r.host for r in recs if r.host is not None})
        for host in hosts:
            if self.findData(host) < 0:
                self.addItem(host, host)
        if hosts:
            self._set_relevant(True)

    def _set_relevant(self, relevant: bool) -> None:
        self.setVisible(relevant)
        if relevant != self._ran_remote:
            self._ran_remote = relevant
            self.relevant_changed.emit(relevant)

    def _on_read(self, result: tuple[list[str], list[str]]) -> None:
        ran, names = result
        current = self.host()
        blocked = self.blockSignals(True)
        self.clear()
        self.addItem(ALL_HOSTS, None)
        for name in names:
            self.addItem(name, name)
        index = self.findData(current) if current is not None else 0
        self.setCurrentIndex(max(0, index))
        self.blockSignals(blocked)
        if current is not None and index < 0:
            self.host_changed.emit()  # the chosen host is gone
        self._set_relevant(bool(ran) or current is not None or self._ran_remote)
