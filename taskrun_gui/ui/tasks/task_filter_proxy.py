"""Search over the Tasks table by name and tag; a proxy is fine here because tasks are few."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel

from taskrun_gui.ui.tasks.task_table_model import SORT_ROLE, TaskTableModel


class TaskFilterProxy(QSortFilterProxyModel):
    """Every word of the search must match the name, the title or a tag; "tag:x" matches tags
    only."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._words: list[str] = []
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_search(self, text: str) -> None:
        words = text.lower().split()
        if words != self._words:
            self.beginFilterChange()
            self._words = words
            self.endFilterChange()

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        if not self._words:
            return True
        model = self.sourceModel()
        if not isinstance(model, TaskTableModel) or source_parent.isValid():
            return True
        spec = model.overview(source_row).task.spec
        name = f"{spec.name}\n{spec.title}".lower()
        tags = [t.lower() for t in spec.tags]
        for word in self._words:
            if word.startswith("tag:"):
                wanted = word[4:]
                if not any(wanted in t for t in tags):
                    return False
            elif word not in name and not any(word in t for t in tags):
                return False
        return True
