"""The run dialog's "Runs on" part: this launch's targets (the task's by default) and how
many hosts run at once, as `taskrun run --on … --parallel N` takes them.

Hidden while there is nothing to choose (no host in the inventory and no targets on the task),
so the dialog of a user without hosts looks as it always did."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QGroupBox, QSpinBox, QWidget

from taskrun_gui.core.hosts import HostDef
from taskrun_gui.core.models import TaskSpec
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.widgets.targets_picker import TargetsPicker

MAX_PARALLEL = 1000


class RunTargetsBox(QGroupBox):
    def __init__(self, spec: TaskSpec, parent: QWidget | None = None) -> None:
        super().__init__("Runs on", parent)
        self.picker = TargetsPicker()
        self.picker.set_targets(spec.targets)
        self.parallel = QSpinBox()
        self.parallel.setObjectName("parallelSpin")
        self.parallel.setRange(0, MAX_PARALLEL)
        self.parallel.setSpecialValueText("no limit")
        self.parallel.setSuffix(" at once")
        self.parallel.setToolTip("At most this many hosts run the task at the same time")
        form = QFormLayout(self)
        form.addRow(self.picker)
        form.addRow("Hosts", self.parallel)
        self._spec = spec
        self.picker.changed.connect(self._update)
        self.picker.loaded.connect(self._update)
        self._update()

    def load(self, ctx: AppContext) -> None:
        self.picker.load(ctx)

    def set_hosts(self, hosts: list[HostDef]) -> None:
        self.picker.set_hosts(hosts)

    def targets(self) -> list[str]:
        return self.picker.targets()

    def parallel_limit(self) -> int | None:
        """None: no limit (every host at once, as the queue allows)."""
        return self.parallel.value() or None

    def _update(self) -> None:
        self.setVisible(bool(self.picker.hosts or self._spec.targets))
        self.parallel.setEnabled(bool(self.picker.targets()))
