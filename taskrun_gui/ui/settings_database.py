"""Settings → Database: the PostgreSQL history this data dir's window opens at its next start
(storage/db_setting.py), or none for the data dir's SQLite file. The URL is checked with the
--db parser when the dialog is accepted; a password typed in it is moved to the password
field's keeping (0600 in the data dir), never into the window's settings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QLineEdit, QWidget

from taskrun_gui.storage import db_setting, db_url
from taskrun_gui.storage.db import Store

HINT = (
    "Takes effect at the next start. The window's --db and $TASKRUN_DB win over it. A "
    "password is kept in the data folder's secrets (0600); or leave it empty and put it in "
    "~/.pgpass."
)


class DatabaseBox(QGroupBox):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__("Database", parent)
        self._data_dir = Path(store.data_dir)
        saved = db_setting.load(self._data_dir)
        self.url = QLineEdit(saved.url if saved else "")
        self.url.setObjectName("dbUrlEdit")
        self.url.setPlaceholderText(f"empty: SQLite in the data folder; or {db_url.FORM}")
        self.url.setClearButtonEnabled(True)
        self.password = QLineEdit(saved.password or "" if saved else "")
        self.password.setObjectName("dbPasswordEdit")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("none: ~/.pgpass or no password")
        in_use = "SQLite in the data folder" if store.url is None else store.url.redacted()
        self.in_use = QLabel(f"In use now: {in_use}")
        self.in_use.setObjectName("dbInUse")
        self.in_use.setWordWrap(True)
        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        self.hint.setEnabled(False)  # the theme's muted text
        self.error = QLabel()
        self.error.setObjectName("dbUrlError")
        self.error.setStyleSheet("color: #DC2626;")
        self.error.setWordWrap(True)
        self.error.hide()
        form = QFormLayout(self)
        form.addRow("URL", self.url)
        form.addRow("Password", self.password)
        form.addRow("", self.in_use)
        form.addRow("", self.hint)
        form.addRow("", self.error)
        self._shown = (self.url.text(), self.password.text())

    def save(self) -> bool:
        """Keep the fields when they changed; False, with the reason in one line, when the
        URL is not one (nothing written)."""
        if (self.url.text(), self.password.text()) == self._shown:
            return True
        try:
            saved = db_setting.checked(self.url.text(), self.password.text())
            db_setting.save(self._data_dir, saved)
        except db_url.DbUrlError as exc:
            self._show_error(f"Database URL: {exc}")
            return False
        except OSError as exc:
            self._show_error(f"Could not save the database to {self._data_dir}: {exc}")
            return False
        self.url.setText("" if saved is None else saved.url)  # a typed password moved out
        self.password.setText("" if saved is None else saved.password or "")
        self._shown = (self.url.text(), self.password.text())
        self.error.hide()
        return True

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
