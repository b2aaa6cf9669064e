"""The form of a new host: name, `[USER@]ADDRESS[:PORT]`, an optional key file, tags. Checked
as typed with the CLI's own rules (core/hosts.py): OK is enabled only for a usable host."""

from __future__ import annotations

import os

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from taskrun_gui.core import hosts as hosts_mod
from taskrun_gui.core.hosts import HostDef, HostError


def parse_tags(text: str) -> list[str]:
    """Comma- or space-separated tags; raises HostError naming a bad one."""
    tags = [t for t in text.replace(",", " ").split() if t]
    return list(dict.fromkeys(hosts_mod.check_name(t, "tag") for t in tags))


class HostForm(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add host")
        self.name = QLineEdit()
        self.ssh = QLineEdit()
        self.ssh.setPlaceholderText("user@server:22 or an alias of ~/.ssh/config")
        self.identity = QLineEdit()
        self.identity.setPlaceholderText("default: ~/.ssh/config and the ssh agent")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        key_row = QHBoxLayout()
        key_row.addWidget(self.identity)
        key_row.addWidget(browse)
        self.tags = QLineEdit()
        self.tags.setPlaceholderText("web, prod")
        self.problem = QLabel()
        self.problem.setObjectName("formProblem")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Name", self.name)
        form.addRow("SSH", self.ssh)
        form.addRow("Key file", key_row)
        form.addRow("Tags", self.tags)
        form.addRow(self.problem)
        form.addRow(self.buttons)
        for edit in (self.name, self.ssh, self.identity, self.tags):
            edit.textChanged.connect(self._on_text_changed)
        self._on_text_changed()

    def host(self) -> HostDef:
        """The host as typed; raises HostError saying what is wrong."""
        name = hosts_mod.check_name(self.name.text().strip())
        user, address, port = hosts_mod.parse_ssh(self.ssh.text())
        identity = self.identity.text().strip() or None
        if identity is not None:
            identity = os.path.abspath(os.path.expanduser(identity))
            if not os.path.isfile(identity):
                raise HostError(f"key file {identity}: no such file")
        return HostDef(name, address, user, port, identity, parse_tags(self.tags.text()))

    def _on_text_changed(self) -> None:
        try:
            self.host()
            why = ""
        except HostError as exc:
            why = str(exc) if self.name.text() and self.ssh.text() else ""
            ok = False
        else:
            ok = True
        self.problem.setText(why)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Private key", os.path.expanduser("~/.ssh"))
        if path:
            self.identity.setText(path)
