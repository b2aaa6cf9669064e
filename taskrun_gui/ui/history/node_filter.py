"""The history's node filter (a shared history: several TaskRun hosts on one database, see
core/nodes.py): shown once the history has more than one node, beside the host filter. A
run queued for any node names none until one takes it."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from taskrun_gui.core.models import RunRecord
from taskrun_gui.core.nodes import ANY_NODE
from taskrun_gui.storage import node_history
from taskrun_gui.ui.history.name_filter import NameFilter
from taskrun_gui.ui.query import QueryRunner

ALL_NODES = "All nodes"


def _read() -> tuple[bool, list[str]]:
    """More than one node; the nodes of the node table and of the runs (on a worker)."""
    names = node_history.all_nodes()
    return len(names) > 1, names


def _node_of(rec: RunRecord) -> str | None:
    return None if rec.node in (None, ANY_NODE) else rec.node


class NodeFilter(NameFilter):
    def __init__(self, query: QueryRunner, parent: QWidget | None = None) -> None:
        super().__init__(query, _read, _node_of, 2, parent)
        self.setObjectName("nodeCombo")
        self.setToolTip("Only the runs of one node (the TaskRun host that executed them)")

    def all_label(self) -> str:
        return ALL_NODES
