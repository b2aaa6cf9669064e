"""The history's host filter (runs on other machines over SSH): shown once some run has a
host; the choices are the hosts runs were on and those of the inventory."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from taskrun_gui.storage import hosts_repo
from taskrun_gui.storage.host_stats import run_hosts
from taskrun_gui.ui.history.name_filter import NameFilter
from taskrun_gui.ui.query import QueryRunner

ALL_HOSTS = "All hosts"


def _read() -> tuple[bool, list[str]]:
    """Some run had a host; the hosts runs were on and those of the inventory (a worker)."""
    ran = run_hosts()
    return bool(ran), sorted(set(ran) | {h.name for h in hosts_repo.all_hosts()})


class HostFilter(NameFilter):
    choices_ran = False  # the inventory's hosts are choices before any run went to them

    def __init__(self, query: QueryRunner, parent: QWidget | None = None) -> None:
        super().__init__(query, _read, lambda r: r.host, 1, parent)
        self.setObjectName("hostCombo")
        self.setToolTip("Only the runs on one host")

    def all_label(self) -> str:
        return ALL_HOSTS

    def host(self) -> str | None:
        return self.name()

    def set_host(self, host: str | None) -> None:
        self.set_name(host)
