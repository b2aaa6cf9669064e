"""The editor's Node field (TaskSpec.node): where a run of the task goes when not told. Empty
is the node that queues it (as before); `any` the first node with a free slot; or a node of
this history, offered from the node table and the runs (read on a worker). Typed names are
checked when the task is saved."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QWidget

from taskrun_gui.core.nodes import ANY_NODE
from taskrun_gui.storage import node_history
from taskrun_gui.ui.context import AppContext

TIP = (
    "Where `taskrun run` and the Run button send a run of this task on a shared history: "
    f"empty for the node that queues it, {ANY_NODE} for the first node with a free slot, or "
    "a node's name (see `taskrun nodes`); `run --node` overrides it"
)


class NodeField(QComboBox):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("taskNode")
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setToolTip(TIP)
        line = self.lineEdit()
        if line is not None:  # editable: it has one
            line.setPlaceholderText("the node that queues it")
            line.setClearButtonEnabled(True)
        self._names: list[str] = []
        self._fill()
        self.currentTextChanged.connect(self.changed)

    def load(self, ctx: AppContext) -> None:
        """The nodes of this history, on a worker; the list follows when it arrives."""
        ctx.query.read(node_history.all_nodes, self.set_names, lambda _exc: None, self)

    def set_names(self, names: list[str]) -> None:
        self._names = list(names)
        self._fill()

    def value(self) -> str:
        return self.currentText().strip()

    def set_value(self, node: str) -> None:
        blocked = self.blockSignals(True)
        self.setCurrentText(node)
        self.blockSignals(blocked)

    def _fill(self) -> None:
        text = self.currentText()
        blocked = self.blockSignals(True)
        self.clear()
        self.addItems(["", ANY_NODE, *self._names])
        self.setCurrentText(text)
        self.blockSignals(blocked)
