"""Hosts (File → Hosts…): the machines tasks run on over SSH, with their reachability.

Add asks for the host key the server presents (on a worker: it is a network round trip),
takes one ~/.ssh/known_hosts trusts, asks the user about an unknown one by its fingerprint and
refuses one that differs from known_hosts, as `taskrun host add` does. Test logs in on a
worker and records latency and OS (or why not) in the inventory; the table shows the last."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from taskrun_gui.core.hosts import HostDef, HostError
from taskrun_gui.storage import hosts_repo
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.hosts.host_form import HostForm, parse_tags

COLUMNS = ("Name", "SSH", "Tags", "Reachability", "Remote OS")


def reachability(h: HostDef) -> str:
    if h.tested_at is None:
        return "untested"
    if h.test_error is not None:
        return "unreachable"
    return "reachable" if h.latency_ms is None else f"reachable, {h.latency_ms:.1f} ms"


class HostsDialog(QDialog):
    loaded = Signal()  # the table shows the inventory as it is now

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Hosts")
        self.resize(820, 360)
        self.hosts: list[HostDef] = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.status = QLabel("Runs go to a host with `taskrun run TASK --on NAME|tag:T`.")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add…")
        self.test_button = QPushButton("Test")
        self.tags_button = QPushButton("Tags…")
        self.remove_button = QPushButton("Remove")
        close = QPushButton("Close")
        for b in (self.add_button, self.test_button, self.tags_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.test_button.clicked.connect(self._on_test_clicked)
        self.tags_button.clicked.connect(self._on_tags_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        close.clicked.connect(self.accept)
        self.table.itemSelectionChanged.connect(self._on_selection_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self._on_selection_changed()
        self.reload()

    # -- reading ----------------------------------------------------------------------------
    def reload(self) -> None:
        self.ctx.query.read(hosts_repo.all_hosts, self._on_hosts_read, self._on_failed, self)

    def _on_hosts_read(self, hosts: list[HostDef]) -> None:
        chosen = self.selected()
        self.hosts = hosts
        self.table.setRowCount(len(hosts))
        for row, h in enumerate(hosts):
            cells = (h.name, h.target, ", ".join(h.tags), reachability(h), h.remote_os or "")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 3 and h.test_error:
                    item.setToolTip(h.test_error)
                self.table.setItem(row, col, item)
            if chosen is not None and h.name == chosen.name:
                self.table.selectRow(row)
        self.table.resizeColumnsToContents()
        self._on_selection_changed()
        self.loaded.emit()

    def selected(self) -> HostDef | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.hosts):
            return None
        return self.hosts[rows[0].row()]

    def select(self, name: str) -> None:
        for row, h in enumerate(self.hosts):
            if h.name == name:
                self.table.selectRow(row)

    def _on_selection_changed(self) -> None:
        some = self.selected() is not None
        for b in (self.test_button, self.tags_button, self.remove_button):
            b.setEnabled(some)

    def _on_failed(self, exc: Exception) -> None:
        self.status.setText(str(exc))

    # -- adding -----------------------------------------------------------------------------
    def _on_add_clicked(self) -> None:
        form = HostForm(self)
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        form.accepted.connect(lambda: self.add_host(form.host()))
        form.open()

    def add_host(self, host: HostDef) -> None:
        """Pin the key `host` presents (asking about an unknown one), then add it."""
        from taskrun_gui.engine.remote.probe import check_key

        if any(h.name == host.name for h in self.hosts):
            self.status.setText(f"host {host.name!r} exists")
            return
        self.status.setText(f"Reading the host key of {host.target}…")
        self.ctx.query.slow(
            lambda: check_key(host),
            lambda seen: self._on_key_seen(host, seen),
            self._on_failed,
            self,
        )

    def _on_key_seen(self, host: HostDef, seen: object) -> None:
        from taskrun_gui.engine.remote.probe import KeyCheck

        assert isinstance(seen, KeyCheck)
        if seen.conflicting:
            self.status.setText(
                f"{host.target} presents {seen.fingerprint}, which differs from "
                "~/.ssh/known_hosts: not added (the key changed, or someone is in between)"
            )
            return
        if not seen.known and not self.confirm_key(host, seen.fingerprint):
            self.status.setText(f"host {host.name} not added: its key was not trusted")
            return
        host.host_key = seen.key_line
        self.status.setText(f"host {host.name} added; host key {seen.fingerprint} pinned")
        self.ctx.query.write(
            lambda: hosts_repo.add(host), lambda _: self._on_added(host.name), self._on_failed, self
        )

    def confirm_key(self, host: HostDef, fingerprint: str) -> bool:
        """Ask whether the unknown key is the server's (the user checks the fingerprint)."""
        answer = QMessageBox.question(
            self,
            "Unknown host key",
            f"The host key of {host.target} is not known:\n\n{fingerprint}\n\n"
            "Trust it if it is the server's key.",
        )
        return answer == QMessageBox.StandardButton.Yes

    def _on_added(self, name: str) -> None:
        self.loaded.connect(lambda: self.select(name), Qt.ConnectionType.SingleShotConnection)
        self.reload()

    # -- testing, tags, removing ------------------------------------------------------------
    def _on_test_clicked(self) -> None:
        host = self.selected()
        if host is not None:
            self.test_host(host)

    def test_host(self, host: HostDef) -> None:
        from taskrun_gui.engine.remote.probe import test_login

        self.status.setText(f"Testing {host.name}…")

        def done(res: object) -> None:
            latency, os_text = getattr(res, "latency_ms", None), getattr(res, "remote_os", None)
            self.status.setText(f"host {host.name}: reachable, {latency:.1f} ms, {os_text}")
            self._record(host.name, latency, os_text, None)

        def failed(exc: Exception) -> None:
            self.status.setText(str(exc))
            self._record(host.name, None, None, str(exc))

        self.ctx.query.slow(lambda: test_login(host), done, failed, self)

    def _record(
        self, name: str, latency: float | None, os_text: str | None, error: str | None
    ) -> None:
        self.ctx.query.write(
            lambda: hosts_repo.record_test(name, latency, os_text, error),
            lambda _: self.reload(),
            self._on_failed,
            self,
        )

    def _on_tags_clicked(self) -> None:
        host = self.selected()
        if host is None:
            return
        text, ok = QInputDialog.getText(
            self, "Tags", f"Tags of {host.name}:", text=", ".join(host.tags)
        )
        if ok:
            self.set_tags(host, text)

    def set_tags(self, host: HostDef, text: str) -> None:
        try:
            tags = parse_tags(text)
        except HostError as exc:
            self.status.setText(str(exc))
            return
        self.ctx.query.write(
            lambda: hosts_repo.set_tags(host.name, tags),
            lambda _: self.reload(),
            self._on_failed,
            self,
        )

    def _on_remove_clicked(self) -> None:
        host = self.selected()
        if host is None:
            return
        answer = QMessageBox.question(
            self, "Remove host", f"Remove {host.name}? The history of its runs stays."
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.ctx.query.write(
                lambda: hosts_repo.remove(host.name), lambda _: self.reload(), self._on_failed, self
            )
