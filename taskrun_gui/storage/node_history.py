"""The history by node (issue 11): which nodes runs executed on, and whether a name is one a
filter may take. Run rows carry the node (`run.node`); a run queued for any node carries
core.nodes.ANY_NODE until a node claims it, which names no node."""

from __future__ import annotations

from taskrun_gui.core.nodes import ANY_NODE, node_name
from taskrun_gui.storage.host_stats import distinct_values
from taskrun_gui.storage.schema import Node, Run


def run_nodes() -> list[str]:
    """Every node some run executed on or waits for, by name (the (node, id) index)."""
    return [n for n in distinct_values(Run.node) if n != ANY_NODE]


def all_nodes() -> list[str]:
    """The nodes of the node table and those runs name, by name: a filter's choices."""
    beating = [str(row.name) for row in Node.select(Node.name)]
    return sorted(set(run_nodes()) | set(beating))


class UnknownNodeError(ValueError):
    """A task's node (TaskSpec.node) that this history never had: a typo, refused at save."""


def check_default(node: str) -> None:
    """A task's node: empty, ANY_NODE or a known node; UnknownNodeError otherwise."""
    if node and node != ANY_NODE and not is_known(node):
        raise UnknownNodeError(f"no such node {node!r} on this history (see `taskrun nodes`)")


def is_known(name: str) -> bool:
    """This node, one of the node table or of some run: anything else is a typo."""
    if name == node_name() or Node.select().where(Node.name == name).exists():
        return True
    return name != ANY_NODE and Run.select().where(Run.node == name).exists()
