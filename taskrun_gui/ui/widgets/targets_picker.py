"""Where a task runs: this machine, or hosts and `tag:T` groups of the inventory.

One checkable list for the task editor (TaskSpec.targets) and the run dialog (an override
for one launch). "This machine" and the hosts exclude each other, as `--on local` and
`--on HOST` do on the command line. The inventory is read off the UI thread (`load`); a
target the inventory no longer has stays listed and checked, marked, so that opening and
saving a task never drops one silently (the save then says what is wrong with it)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from taskrun_gui.core.hosts import TAG_PREFIX, HostDef, HostError, select
from taskrun_gui.storage import hosts_repo
from taskrun_gui.ui.context import AppContext

HERE = "This machine"
_TARGET = Qt.ItemDataRole.UserRole  # the target word; "" for this machine
ROWS_SHOWN = 5


class TargetsPicker(QWidget):
    changed = Signal()
    loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setObjectName("targetsList")
        self.list.setToolTip(
            "Where runs of this task go: this machine, or each checked host (a tag: every "
            "host with it), one run per host. Hosts are added under File → Hosts…"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel(self)
        self.summary.setObjectName("targetsSummary")
        self.summary.setEnabled(False)  # muted: it repeats the checks in a line
        self.summary.setWordWrap(True)
        layout.addWidget(self.list)
        layout.addWidget(self.summary)
        self.hosts: list[HostDef] = []
        self._known = False  # the inventory was read
        self._targets: list[str] = []
        self._rebuild()
        self.list.itemChanged.connect(self._on_item_changed)

    def load(self, ctx: AppContext) -> None:
        """Read the inventory on a worker; the list follows when it arrives."""
        ctx.query.read(hosts_repo.all_hosts, self.set_hosts, lambda _exc: None, self)

    def item_for(self, target: str) -> QListWidgetItem | None:
        """The row of `target` ("" for this machine), for a test or a caller to check."""
        for row in range(self.list.count()):
            if self.list.item(row).data(_TARGET) == target:
                return self.list.item(row)
        return None

    def set_hosts(self, hosts: list[HostDef]) -> None:
        self.hosts, self._known = list(hosts), True
        self._rebuild()
        self.loaded.emit()

    def set_targets(self, targets: list[str]) -> None:
        self._targets = list(targets)
        self._rebuild()

    def targets(self) -> list[str]:
        """The checked targets in list order; [] is this machine."""
        return list(self._targets)

    def _choices(self) -> list[tuple[str, str]]:
        """(target, label) for this machine, every host, every tag, and what else is set."""
        out = [("", HERE)]
        out += [(h.name, f"{h.name}   {h.target}") for h in self.hosts]
        tags = sorted({t for h in self.hosts for t in h.tags})
        for tag in tags:
            n = sum(tag in h.tags for h in self.hosts)
            out.append((TAG_PREFIX + tag, f"{TAG_PREFIX}{tag}   ({n} host{'s' * (n != 1)})"))
        known = {target for target, _ in out}
        out += [(t, f"{t}   (not in the inventory)") for t in self._targets if t not in known]
        return out

    def _rebuild(self) -> None:
        blocked = self.list.blockSignals(True)
        self.list.clear()
        for target, label in self._choices():
            item = QListWidgetItem(label)
            item.setData(_TARGET, target)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            self.list.addItem(item)
        rows = min(self.list.count(), ROWS_SHOWN)
        self.list.setFixedHeight(self.list.sizeHintForRow(0) * rows + 2 * self.list.frameWidth())
        self.list.blockSignals(blocked)
        self._sync_checks()

    def _sync_checks(self) -> None:
        blocked = self.list.blockSignals(True)
        chosen = set(self._targets)
        for row in range(self.list.count()):
            item = self.list.item(row)
            target = str(item.data(_TARGET))
            on = target in chosen if target else not chosen
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        self.list.blockSignals(blocked)
        self.summary.setText(self._summary_text())

    def _summary_text(self) -> str:
        """Where a run goes, in one line: "3 hosts: db1, web1, web2"."""
        if not self._targets:
            return "Runs on this machine"
        if not self._known:  # the inventory is on its way
            return f"Runs on {', '.join(self._targets)}"
        try:
            names = [h.name for h in select(self.hosts, self._targets)]
        except HostError as exc:
            return str(exc).removeprefix("--on ")
        return f"Runs on {len(names)} host{'s' * (len(names) != 1)}: {', '.join(names)}"

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        target = str(item.data(_TARGET))
        checked = item.checkState() == Qt.CheckState.Checked
        if not target:
            self._targets = [] if checked else self._targets
        elif checked:
            self._targets = [*self._targets, target]
        else:
            self._targets = [t for t in self._targets if t != target]
        self._sync_checks()  # this machine and the hosts exclude each other
        self.changed.emit()
