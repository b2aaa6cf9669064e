"""What the Logs tab shows when its table lists no run, and what it stops showing when the
selected run has left the list.

The message waits for the filter's count to be read (a new filter first empties the model):
"No runs yet" for a history without runs, "No runs match these filters" with Clear filters
otherwise. A refresh that drops the selection (a new filter resets the model) finds the run
again in the new list, or empties the details and the log: they never show a run that the
table no longer lists."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from taskrun_gui.storage.runs_repo import RunFilter
from taskrun_gui.ui.widgets.view_message import ViewMessage

if TYPE_CHECKING:
    from taskrun_gui.ui.history.history_tab import HistoryTab

NO_RUNS = "No runs yet — run a task from the Tasks tab"
NO_MATCH = "No runs match these filters"
CLEAR = "Clear filters"


class EmptyRuns(QObject):
    def __init__(self, tab: HistoryTab) -> None:
        super().__init__(tab)
        self._tab = tab
        self._counted = False  # the current filter's count has been read
        self.message = ViewMessage(tab.table)
        self.message.setObjectName("historyEmpty")
        self.message.action_requested.connect(tab.filters.clear)
        tab.filters.filter_changed.connect(self._on_filter_changed)
        tab.model.count_changed.connect(self._update)
        tab.model.refreshed.connect(self._on_refreshed)

    def _on_filter_changed(self) -> None:
        self._counted = False
        self._update()

    def _on_refreshed(self) -> None:
        self._counted = True
        self._update()
        self._drop_gone_selection()

    def _update(self) -> None:
        model = self._tab.model
        if not self._counted or model.total:
            self.message.hide()
        elif model.run_filter == RunFilter():
            self.message.show_message(NO_RUNS)
        else:
            self.message.show_message(NO_MATCH, CLEAR)

    def _drop_gone_selection(self) -> None:
        tab = self._tab
        rec = tab.details.record
        if rec is None or tab.table.currentIndex().isValid():
            return
        if rec.id is None or not tab.model.total:
            tab.show_current()  # nothing selected: empties the details and the log
            return

        def found(row: int | None) -> None:
            if tab.details.record is not rec or tab.table.currentIndex().isValid():
                return  # another run was chosen meanwhile
            if row is None:
                tab.show_current()
            else:
                tab.select_row(row)

        tab.model.locate(rec.id, found)
