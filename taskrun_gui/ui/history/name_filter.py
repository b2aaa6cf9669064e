"""A history filter on one name column of the runs (the host, the node): all, or the runs of
one name (an indexed RunFilter condition). It stays hidden, and the table's column with it,
until the history makes it worth a look: a user of one machine sees the Logs tab as it
always was. The choices are read on a worker; runs the hub announces add theirs at once."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QWidget

from taskrun_gui.core.models import RunRecord
from taskrun_gui.ui.query import QueryRunner

Read = Callable[[], tuple[bool, list[str]]]  # (worth showing, the names to choose from)


class NameFilter(QComboBox):
    name_changed = Signal()
    relevant_changed = Signal(bool)  # show the filter and the column
    choices_ran = True  # every choice is a name some run has (a host filter's are not all)

    def __init__(
        self,
        query: QueryRunner,
        read: Read,
        name_of: Callable[[RunRecord], str | None],
        min_names: int,
        parent: QWidget | None = None,
    ) -> None:
        """`read` on a worker; `name_of` a run's name (None: none); `min_names` how many
        names the announced runs must show before the filter is worth showing."""
        super().__init__(parent)
        self._query, self._read, self._name_of = query, read, name_of
        self._min_names = min_names
        self._relevant = False
        self._announced: set[str] = set()  # the names of the runs the hub announced
        self.setMinimumContentsLength(10)
        # a narrow window (1024 px with both filters shown) may squeeze it, eliding the text
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("All no") + 32)
        self.addItem(self.all_label(), None)
        self.setVisible(False)
        self.currentIndexChanged.connect(self.name_changed)

    def all_label(self) -> str:
        raise NotImplementedError

    def reload(self) -> None:
        self._query.read(self._read, self._on_read, owner=self)

    def name(self) -> str | None:
        data = self.currentData()
        return data if isinstance(data, str) else None

    def set_name(self, name: str | None) -> None:
        if name is not None and self.findData(name) < 0:
            self.addItem(name, name)
        self.setCurrentIndex(max(0, self.findData(name)) if name else 0)

    def note_runs(self, recs: list[RunRecord]) -> None:
        """Runs the hub announced (before the store may have them): a name they bring is a
        choice now, and enough of them show the filter and the column."""
        names = {n for r in recs if (n := self._name_of(r)) is not None}
        for name in sorted(names):
            if self.findData(name) < 0:
                self.addItem(name, name)
        self._announced |= names
        ran = self._announced | (self._choices() if self.choices_ran else set())
        if len(ran) >= self._min_names:
            self._set_relevant(True)

    def _choices(self) -> set[str]:
        return {d for i in range(self.count()) if isinstance(d := self.itemData(i), str)}

    def _set_relevant(self, relevant: bool) -> None:
        self.setVisible(relevant)
        if relevant != self._relevant:
            self._relevant = relevant
            self.relevant_changed.emit(relevant)

    def _on_read(self, result: tuple[bool, list[str]]) -> None:
        relevant, names = result
        current = self.name()
        blocked = self.blockSignals(True)
        self.clear()
        self.addItem(self.all_label(), None)
        for name in names:
            self.addItem(name, name)
        index = self.findData(current) if current is not None else 0
        self.setCurrentIndex(max(0, index))
        self.blockSignals(blocked)
        if current is not None and index < 0:
            self.name_changed.emit()  # the chosen name is gone
        self._set_relevant(relevant or current is not None or self._relevant)
