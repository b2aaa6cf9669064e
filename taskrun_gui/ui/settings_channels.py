"""The Channels page of Settings: the data dir's alert channels (the same ones `taskrun
channel` lists and the daemon sends to), their last delivery, add, remove, a Test button and
the digest. A channel change is written at once, as `taskrun channel add` does.

Apprise loads its plugins on first use and a test waits for the network, so reading the list
(masking needs Apprise), checking a URL and sending a test all run on the query pool; the page
only shows what comes back. The URL field hides what is typed: it holds passwords."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from taskrun_gui.core.timefmt import local_text
from taskrun_gui.engine import channel_ops
from taskrun_gui.storage import channels_store, policy_file
from taskrun_gui.ui.context import AppContext

COLUMNS = ("Name", "URL", "Default events", "Last delivery")
FAILED_COLOR = QColor("#DC2626")


@dataclass(frozen=True)
class ChannelLine:
    name: str
    url: str  # masked
    events: str
    last: str
    failing: bool


def _lines(ctx: AppContext) -> list[ChannelLine]:
    """On a worker: the channels as shown (URLs masked)."""
    out = []
    for v in channel_ops.views(ctx.store.data_dir):
        d = v.delivery
        if d.failing and d.failed_at is not None:
            last = f"failed {local_text(d.failed_at)}: {d.error}"
        else:
            last = f"ok {local_text(d.ok_at)}" if d.ok_at is not None else "—"
        last += v.waiting_note()
        out.append(ChannelLine(v.name, v.url, ",".join(v.events) or "—", last, d.failing))
    return out


def _added(ctx: AppContext, name: str, url: str, events_text: str) -> str:
    """On a worker: add the channel; '' when done, else the one-line reason."""
    try:
        channel_ops.add(ctx.store.data_dir, name, url, events_text)
    except channel_ops.ChannelError as exc:  # worded for the CLI: name the field shown here
        return str(exc).replace("--events:", "Default events:", 1)
    return ""


def _tested(ctx: AppContext, name: str) -> str:
    """On a worker: send a test message; the line to show."""
    try:
        outcome = channel_ops.test(ctx.store.data_dir, name)
    except channel_ops.ChannelError as exc:
        return str(exc)
    return f"{name}: test delivered" if outcome.ok else f"{name}: not delivered: {outcome.error}"


class ChannelsPage(QWidget):
    """Emits `changed` after every list it shows (tests and the dialog wait on it)."""

    changed = Signal()
    tested = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.name = QLineEdit(placeholderText="ops")
        self.url = QLineEdit(placeholderText="json://host:8080/hook, mailto://user:pass@host…")
        self.url.setEchoMode(QLineEdit.EchoMode.Password)
        self.events = QLineEdit(placeholderText="failure,late (every task without its own rule)")
        self.add_button = QPushButton("Add")
        self.remove_button = QPushButton("Remove")
        self.test_button = QPushButton("Test")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.digest = QComboBox()
        self.digest.addItems(["off", "daily", "weekly"])
        self.digest_channel = QComboBox()
        self._layout()
        self.add_button.clicked.connect(self._on_add_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.test_button.clicked.connect(self._on_test_clicked)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.digest.activated.connect(self._on_digest_chosen)
        self.digest_channel.activated.connect(self._on_digest_chosen)
        self._update_buttons()
        self.reload()

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Apprise URL", self.url)
        form.addRow("Default events", self.events)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.test_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        digest = QHBoxLayout()
        digest.addWidget(QLabel("Digest"))
        digest.addWidget(self.digest)
        digest.addWidget(QLabel("to"))
        digest.addWidget(self.digest_channel, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addLayout(digest)

    def selected_name(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        item = self.table.item(rows[0].row(), 0) if rows else None
        return None if item is None else item.text()

    def reload(self) -> None:
        ctx = self._ctx
        ctx.query.read(lambda: _lines(ctx), self._on_lines_loaded, self._on_failed, self)

    def _on_lines_loaded(self, lines: list[ChannelLine]) -> None:
        keep = self.selected_name()
        self.table.setRowCount(len(lines))
        for row, line in enumerate(lines):
            for col, text in enumerate((line.name, line.url, line.events, line.last)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)  # a long URL or delivery error, whole
                if col == 3 and line.failing:
                    item.setForeground(FAILED_COLOR)
                self.table.setItem(row, col, item)
            if line.name == keep:
                self.table.selectRow(row)
        self._fill_digest([line.name for line in lines])
        self._update_buttons()
        self.changed.emit()

    def _fill_digest(self, names: list[str]) -> None:
        policy = policy_file.load(self._ctx.store.data_dir)
        self.digest_channel.clear()
        self.digest_channel.addItems(names)
        self.digest.setCurrentText(policy.digest or "off")
        if policy.digest_channel in names:
            self.digest_channel.setCurrentText(policy.digest_channel)

    def _update_buttons(self) -> None:
        chosen = self.selected_name() is not None
        self.remove_button.setEnabled(chosen)
        self.test_button.setEnabled(chosen)

    def _on_failed(self, exc: Exception) -> None:
        self.status.setText(f"Could not read or write the channels: {exc}")

    def _on_add_clicked(self) -> None:
        ctx, name, url, events = (
            self._ctx,
            self.name.text().strip(),
            self.url.text().strip(),
            (self.events.text()),
        )
        self.add_button.setEnabled(False)
        ctx.query.read(
            lambda: _added(ctx, name, url, events), self._on_added, self._on_failed, self
        )

    def _on_added(self, problem: str) -> None:
        self.add_button.setEnabled(True)
        self.status.setText(problem or "Channel added.")
        if not problem:
            self.name.clear()
            self.url.clear()
            self.events.clear()
            self.reload()

    def _on_remove_clicked(self) -> None:
        name = self.selected_name()
        if name is not None:
            channels_store.remove(self._ctx.store.data_dir, name)  # a few bytes, as the dialog
            self.status.setText(f"Channel {name} removed.")
            self.reload()

    def _on_test_clicked(self) -> None:
        name, ctx = self.selected_name(), self._ctx
        if name is None:
            return
        self.test_button.setEnabled(False)
        self.status.setText(f"Sending a test message to {name}…")
        ctx.query.read(lambda: _tested(ctx, name), self._on_tested, self._on_failed, self)

    def _on_tested(self, line: str) -> None:
        self.status.setText(line)
        self.tested.emit(line)
        self.reload()

    def _on_digest_chosen(self) -> None:
        period = self.digest.currentText()
        channel = self.digest_channel.currentText()
        if period != "off" and not channel:
            self.status.setText("Add a channel for the digest first.")
            return
        try:
            policy_file.update(
                self._ctx.store.data_dir,
                digest="" if period == "off" else period,
                digest_channel="" if period == "off" else channel,
            )
        except (OSError, policy_file.PolicyError) as exc:
            self.status.setText(f"Could not save the digest setting: {exc}")
            return
        self.status.setText("Digest: off." if period == "off" else f"{period} digest to {channel}.")
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
